// The SegmentProfilers that need the pipeline layer:
//  - SimulatedProfiler ("simulate"): Edge TPU segments timed by the discrete-event simulator on
//    the modelled device (EdgeTpuSimConfig), whole partitions timed by simulating the batch, as
//    the paper's exhaustive method timed real pipelines.
//  - MeasuredProfiler ("measure"): CPU segments run for real on a CpuDevice (median of several
//    timed invocations after a warm-up), whole partitions run as a threaded Pipeline on a batch
//    of random inputs, one CPU core per stage.
// Both cache segment profiles through SegmentProfiler.
//
// Lifetime: both borrow `model`, which must outlive them. Not thread-safe.
#ifndef SEGPIPE_PIPELINE_PROFILERS_H_
#define SEGPIPE_PIPELINE_PROFILERS_H_

#include <cstdint>

#include "segpipe/device/edgetpu_model.h"
#include "segpipe/partition/segment_profiler.h"

namespace segpipe {

class SimulatedProfiler : public SegmentProfiler {
 public:
  SimulatedProfiler(const Model& model, EdgeTpuSpec spec = {},
                    HostProfile host = NativeHostProfile(), int queue_capacity = 1);
  std::string name() const override { return "simulate"; }

 protected:
  StatusOr<SegmentProfile> ProfileUncached(int first_op, int last_op,
                                           const StageDevice& device) override;
  StatusOr<double> TimePipelineUncachedMs(const Partition& partition, int batch) override;

 private:
  const Model& model_;
  EdgeTpuSpec spec_;
  HostProfile host_;
  int queue_capacity_;
};

struct MeasureOptions {
  int warmup = 2;        // untimed invocations per segment
  int repeats = 5;       // timed invocations per segment; the median is kept
  uint64_t seed = 1;     // random input bytes
  bool pin_cores = true; // stage k of a measured pipeline runs on core k
};

class MeasuredProfiler : public SegmentProfiler {
 public:
  MeasuredProfiler(const Model& model, MeasureOptions options = {});
  std::string name() const override { return "measure"; }

 protected:
  StatusOr<SegmentProfile> ProfileUncached(int first_op, int last_op,
                                           const StageDevice& device) override;
  StatusOr<double> TimePipelineUncachedMs(const Partition& partition, int batch) override;

 private:
  const Model& model_;
  MeasureOptions options_;
};

}  // namespace segpipe

#endif  // SEGPIPE_PIPELINE_PROFILERS_H_
