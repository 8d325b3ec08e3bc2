// SegmentProfiler: what a partitioner asks to learn what a candidate segment costs.
//
// Implementations: ModelProfiler (the analytic Edge TPU model, partition/model_profiler.h), and in
// the pipeline layer SimulatedProfiler (the discrete-event simulator) and MeasuredProfiler (real
// runs on CPU cores), see pipeline/profilers.h. Results are cached per (op range, device kind):
// devices of one kind are interchangeable, so a segment is profiled once whatever stage it
// lands in. profiles_taken() counts real profiles (cache misses), the figure to compare with the
// C(l-1, s-1) pipeline runs of the paper's exhaustive method.
//
// Lifetime: borrows nothing beyond what the implementation documents. Not thread-safe: one
// partitioner uses it at a time.
#ifndef SEGPIPE_PARTITION_INTERNAL_SEGMENT_PROFILER_H_
#define SEGPIPE_PARTITION_INTERNAL_SEGMENT_PROFILER_H_

#include <cstdint>
#include <string>
#include <unordered_map>

#include "segpipe/core/status.h"
#include "segpipe/device/internal/edgetpu_model.h"
#include "segpipe/partition/internal/partition.h"

namespace segpipe {

struct SegmentProfile {
  double stage_ms = 0;         // time of one inference through this stage, transfers included
  int64_t on_chip_bytes = 0;   // Edge TPU: parameters cached in SRAM; CPU: 0
  int64_t off_chip_bytes = 0;  // Edge TPU: parameters streamed from host memory; CPU: weights
};

class SegmentProfiler {
 public:
  virtual ~SegmentProfiler() = default;

  // "model", "simulate" or "measure".
  virtual std::string name() const = 0;

  // The profile of ops [first_op, last_op] running alone on `device`; cached.
  StatusOr<SegmentProfile> Profile(int first_op, int last_op, const StageDevice& device);

  // Wall time per inference of the whole partition run as a pipeline on `batch` inputs (start,
  // feed, drain, divided by batch): what the paper's exhaustive method times. The default
  // combines the segment profiles with EstimatePipelineTime under host_profile(), each
  // replicated stage counting stage_ms / replicas towards the period.
  StatusOr<double> TimePipelineMs(const Partition& partition, int batch);

  // The host costs the stage times include (host work per stage, hand-offs) and the ones a
  // whole pipeline adds (the serialized host floor, thread start). Edge TPU profilers carry the
  // caller's profile; the default has none (measured times include the host already).
  virtual const HostProfile& host_profile() const;
  // The Edge TPU description segments are placed and timed with (the strategies' starting
  // splits use its byte accounting); the default is EdgeTpuSpec{}.
  virtual const EdgeTpuSpec& edgetpu_spec() const;

  int64_t profiles_taken() const { return profiles_taken_; }
  int64_t pipeline_runs() const { return pipeline_runs_; }

 protected:
  virtual StatusOr<SegmentProfile> ProfileUncached(int first_op, int last_op,
                                                   const StageDevice& device) = 0;
  virtual StatusOr<double> TimePipelineUncachedMs(const Partition& partition, int batch);

 private:
  struct Key {
    int first_op, last_op;
    StageDevice::Kind kind;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const {
      return (static_cast<size_t>(k.first_op) * 1000003u + static_cast<size_t>(k.last_op)) * 4u +
             static_cast<size_t>(k.kind);
    }
  };
  std::unordered_map<Key, SegmentProfile, KeyHash> cache_;
  int64_t profiles_taken_ = 0;
  int64_t pipeline_runs_ = 0;
};

}  // namespace segpipe

#endif  // SEGPIPE_PARTITION_INTERNAL_SEGMENT_PROFILER_H_
