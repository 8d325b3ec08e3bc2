// The SegmentProfilers that need the pipeline layer:
//  - SimulatedProfiler ("simulate"): Edge TPU segments timed from the phases the simulator and
//    the paced runtime run (EdgeTpuSimStage, plus the hand-off out of the stage), whole
//    partitions (replicated stages too) timed by simulating the batch, as the paper's exhaustive
//    method timed real pipelines.
//  - MeasuredProfiler ("measure"): CPU segments run for real on a CpuDevice (median of several
//    timed invocations after a warm-up), whole partitions run as a threaded Pipeline on a batch
//    of random inputs, one CPU core per device (replicated stages included).
//  - MixedProfiler: stages on different device kinds (a CPU core and Edge TPUs), each kind
//    profiled by its own profiler (e.g. Edge TPUs by the model, CPU cores by measurement); the
//    host profile and Edge TPU spec are the Edge TPU profiler's.
// All cache segment profiles through SegmentProfiler.
//
// Lifetime: both borrow `model`, which must outlive them. Not thread-safe.
#ifndef SEGPIPE_PIPELINE_INTERNAL_PROFILERS_H_
#define SEGPIPE_PIPELINE_INTERNAL_PROFILERS_H_

#include <cstdint>
#include <memory>
#include <string>

#include "segpipe/device/internal/edgetpu_model.h"
#include "segpipe/partition/internal/segment_profiler.h"

namespace segpipe {

class SimulatedProfiler : public SegmentProfiler {
 public:
  SimulatedProfiler(const Model& model, EdgeTpuSpec spec = {},
                    HostProfile host = NativeHostProfile(), int queue_capacity = 1);
  std::string name() const override { return "simulate"; }
  const HostProfile& host_profile() const override { return host_; }
  const EdgeTpuSpec& edgetpu_spec() const override { return spec_; }

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

// Delegates each segment to the profiler of its device kind. Whole pipelines are estimated from
// the segment profiles (SegmentProfiler's default), since no single timer covers both kinds.
class MixedProfiler : public SegmentProfiler {
 public:
  MixedProfiler(std::unique_ptr<SegmentProfiler> edgetpu, std::unique_ptr<SegmentProfiler> cpu)
      : edgetpu_(std::move(edgetpu)), cpu_(std::move(cpu)) {}
  std::string name() const override { return edgetpu_->name() + "+" + cpu_->name(); }
  const HostProfile& host_profile() const override { return edgetpu_->host_profile(); }
  const EdgeTpuSpec& edgetpu_spec() const override { return edgetpu_->edgetpu_spec(); }

 protected:
  StatusOr<SegmentProfile> ProfileUncached(int first_op, int last_op,
                                           const StageDevice& device) override {
    SegmentProfiler& p = device.kind == StageDevice::Kind::kCpu ? *cpu_ : *edgetpu_;
    return p.Profile(first_op, last_op, device);
  }

 private:
  std::unique_ptr<SegmentProfiler> edgetpu_;
  std::unique_ptr<SegmentProfiler> cpu_;
};

}  // namespace segpipe

#endif  // SEGPIPE_PIPELINE_INTERNAL_PROFILERS_H_
