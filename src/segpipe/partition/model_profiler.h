// ModelProfiler: segment profiles from the analytic Edge TPU model (device/edgetpu_model.h), no
// device needed. A stage's time is the modelled service time of one invocation: fixed invoke
// cost, activations in and out over the host link, compute, and streaming of the parameters that
// do not fit on chip. CPU stages have no analytic model: they need `--profile measure` (or the
// simulator's CPU timing), and this profiler says so.
//
// Lifetime: borrows `model`, which must outlive the profiler. Not thread-safe (see
// SegmentProfiler).
#ifndef SEGPIPE_PARTITION_MODEL_PROFILER_H_
#define SEGPIPE_PARTITION_MODEL_PROFILER_H_

#include "segpipe/device/edgetpu_model.h"
#include "segpipe/partition/segment_profiler.h"

namespace segpipe {

class ModelProfiler : public SegmentProfiler {
 public:
  explicit ModelProfiler(const Model& model, EdgeTpuSpec spec = {})
      : model_(model), spec_(spec) {}
  std::string name() const override { return "model"; }

 protected:
  StatusOr<SegmentProfile> ProfileUncached(int first_op, int last_op,
                                           const StageDevice& device) override;

 private:
  const Model& model_;
  EdgeTpuSpec spec_;
};

}  // namespace segpipe

#endif  // SEGPIPE_PARTITION_MODEL_PROFILER_H_
