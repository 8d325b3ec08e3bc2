// Caching and the default pipeline estimate of SegmentProfiler.
#include "segpipe/partition/segment_profiler.h"

#include <algorithm>

namespace segpipe {

StatusOr<SegmentProfile> SegmentProfiler::Profile(int first_op, int last_op,
                                                  const StageDevice& device) {
  const Key key{first_op, last_op, device.kind};
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  SEGPIPE_ASSIGN_OR_RETURN(SegmentProfile profile, ProfileUncached(first_op, last_op, device));
  ++profiles_taken_;
  cache_.emplace(key, profile);
  return profile;
}

StatusOr<double> SegmentProfiler::TimePipelineMs(const Partition& partition, int batch) {
  if (batch < 1) return InvalidArgumentError("pipeline batch must be at least 1");
  ++pipeline_runs_;
  return TimePipelineUncachedMs(partition, batch);
}

StatusOr<double> SegmentProfiler::TimePipelineUncachedMs(const Partition& partition, int batch) {
  double sum = 0;
  double period = static_cast<double>(partition.segments.size()) * SerializedHostMsPerStage();
  for (const Segment& s : partition.segments) {
    SEGPIPE_ASSIGN_OR_RETURN(SegmentProfile p, Profile(s.first_op, s.last_op, s.device));
    sum += p.stage_ms;
    period = std::max(period, p.stage_ms / s.replicas);
  }
  return (sum + (batch - 1) * period) / batch;
}

}  // namespace segpipe
