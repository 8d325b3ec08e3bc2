// Executor: runs a Model (a whole network or a segment cut by ExtractSegment) on the CPU.
//
// Usage:
//   SEGPIPE_ASSIGN_OR_RETURN(std::unique_ptr<Executor> exec,
//                            Executor::Create(std::move(model), {.kernels = KernelSet::kFast}));
//   std::ranges::copy(image_bytes, exec->input(0).begin());
//   exec->Invoke();
//   std::span<const uint8_t> scores = exec->output(0);
//
// Create() prepares a kernel for every op (the fast one where KernelSet::kFast and one exists,
// otherwise the reference one), so an unsupported op or type fails there, before any inference,
// with an UnimplementedError naming the op index, op name and type. All activations (model
// inputs and outputs included) live in ONE arena whose offsets are planned from tensor
// lifetimes, so Invoke() neither allocates nor fails.
//
// Lifetime: the Executor owns its copy of the Model (kernels keep pointers into its constant
// data). Thread-safety: one thread at a time per Executor; distinct Executors are independent.
// Spans returned by input()/output() stay valid for the Executor's lifetime. Model inputs are
// kept intact by Invoke(); outputs are valid until the next Invoke().
#ifndef SEGPIPE_EXEC_INTERNAL_EXECUTOR_H_
#define SEGPIPE_EXEC_INTERNAL_EXECUTOR_H_

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "segpipe/core/status.h"
#include "segpipe/kernels/internal/kernel.h"
#include "segpipe/model/model.h"

namespace segpipe {

// Where one tensor lives in the arena: bytes [offset_bytes, offset_bytes + size_bytes).
struct ArenaSlot {
  int32_t tensor = -1;
  int64_t offset_bytes = 0;
  int64_t size_bytes = 0;
  int first_op = 0;  // op index that writes it (-1 for model inputs)
  int last_op = 0;   // last op index that reads it (ops.size() for model outputs / inputs)
};

// Plans the arena of `model`: every non-constant tensor gets a slot, tensors whose lifetimes
// overlap never share bytes. Greedy by size, largest first, lowest fitting offset. Exposed for
// tests and for tools that report memory use.
struct ArenaPlan {
  std::vector<ArenaSlot> slots;  // one per non-constant tensor, any order
  int64_t arena_bytes = 0;
};
ArenaPlan PlanArena(const Model& model);

class Executor {
 public:
  // Takes the model by value (move it in to avoid a copy of the weights).
  static StatusOr<std::unique_ptr<Executor>> Create(Model model, const KernelOptions& options);

  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  const Model& model() const { return model_; }
  const KernelOptions& options() const { return options_; }

  int num_inputs() const { return static_cast<int>(model_.inputs.size()); }
  int num_outputs() const { return static_cast<int>(model_.outputs.size()); }
  const Tensor& input_tensor(int i) const;
  const Tensor& output_tensor(int i) const;

  // Buffer of model input i (num_bytes of its tensor); write it before Invoke().
  std::span<uint8_t> input(int i);
  // Buffer of model output i; valid after Invoke() until the next one.
  std::span<const uint8_t> output(int i) const;

  // Runs every op once. Allocates nothing and cannot fail.
  void Invoke();

  int64_t arena_bytes() const { return static_cast<int64_t>(arena_size_bytes_); }
  // How many ops run a fast kernel (the rest run reference kernels).
  int num_fast_kernels() const { return num_fast_kernels_; }

  // Convenience for tools and tests: copies `inputs` (one vector per model input, sizes must
  // match), invokes, returns copies of the outputs. Allocates; InvalidArgument on size mismatch.
  StatusOr<std::vector<std::vector<uint8_t>>> Run(
      std::span<const std::vector<uint8_t>> inputs);

 private:
  Executor(Model model, const KernelOptions& options);
  Status Prepare();
  uint8_t* TensorData(int32_t tensor);

  Model model_;
  KernelOptions options_;
  std::vector<std::unique_ptr<Kernel>> kernels_;  // one per op
  // Per op: pointers to its input/output buffers, resolved once in Prepare so Invoke only calls.
  std::vector<std::vector<const uint8_t*>> op_inputs_;
  std::vector<std::vector<uint8_t*>> op_outputs_;
  std::vector<int64_t> tensor_offset_bytes_;  // -1 for constants
  // The arena: 64-byte aligned, so kernels may use aligned vector loads.
  std::unique_ptr<uint8_t[], void (*)(uint8_t*)> arena_;
  size_t arena_size_bytes_ = 0;
  int num_fast_kernels_ = 0;
};

}  // namespace segpipe

#endif  // SEGPIPE_EXEC_INTERNAL_EXECUTOR_H_
