// ModelProfiler: segment profiles from the analytic Edge TPU model (device/edgetpu_model.h), no
// device needed. A stage's time is the modelled service time of one invocation (fixed invoke
// cost, activations in and out over the host link, compute, streaming of the parameters that do
// not fit on chip) plus the host's per-stage work and hand-off of the host profile (native by
// default; StageTimeNs). Whole pipelines are timed by SegmentProfiler's default, the same
// EstimatePipelineTime the planner's objectives use. CPU stages have no analytic model: they
// need `--profile measure`, and this profiler says so.
//
// Lifetime: borrows `model`, which must outlive the profiler. Not thread-safe (see
// SegmentProfiler).
#ifndef SEGPIPE_PARTITION_INTERNAL_MODEL_PROFILER_H_
#define SEGPIPE_PARTITION_INTERNAL_MODEL_PROFILER_H_

#include <utility>

#include "segpipe/device/internal/edgetpu_model.h"
#include "segpipe/partition/internal/segment_profiler.h"

namespace segpipe {

class ModelProfiler : public SegmentProfiler {
 public:
  explicit ModelProfiler(const Model& model, EdgeTpuSpec spec = {},
                         HostProfile host = NativeHostProfile())
      : model_(model), index_(BuildPlacementIndex(model, spec)), spec_(spec), host_(std::move(host)) {}
  std::string name() const override { return "model"; }
  const HostProfile& host_profile() const override { return host_; }
  const EdgeTpuSpec& edgetpu_spec() const override { return spec_; }

 protected:
  StatusOr<SegmentProfile> ProfileUncached(int first_op, int last_op,
                                           const StageDevice& device) override;

 private:
  const Model& model_;
  const PlacementIndex index_;  // per-model facts, so each profile costs O(segment)
  EdgeTpuSpec spec_;
  HostProfile host_;
};

}  // namespace segpipe

#endif  // SEGPIPE_PARTITION_INTERNAL_MODEL_PROFILER_H_
