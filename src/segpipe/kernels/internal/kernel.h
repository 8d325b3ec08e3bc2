// The kernel interface shared by reference and fast (oneDNN) kernels.
//
// Like TFLite Micro's kernels, each op is split into Prepare (validate types, shapes and
// quantization, precompute requantization multipliers, reorder weights: may allocate, may fail)
// and Run (compute only: no allocation, cannot fail). A Kernel is built for one op of one Model
// and keeps what it needs from it (it may keep pointers into the Model's constant data, so the
// Model must outlive the Kernel). Run is not thread-safe on one Kernel; distinct Kernels are
// independent.
#ifndef SEGPIPE_KERNELS_INTERNAL_KERNEL_H_
#define SEGPIPE_KERNELS_INTERNAL_KERNEL_H_

#include <cstdint>
#include <memory>
#include <span>

#include "segpipe/core/status.h"
#include "segpipe/model/model.h"

namespace segpipe {

enum class KernelSet : uint8_t { kReference, kFast };

// Window geometry (convolutions, pools) comes from the file: a crafted dilation of 1.5e9 would
// overflow the kernels' 32-bit index arithmetic. They accept a window when the input extent, the
// stride, the dilation and the dilated filter extent (filter - 1) * dilation + 1 are each at most
// 2^29 (and the filter extent is not negative), so every sum of them stays below 2^31. Real models
// are many orders of magnitude below.
inline bool WindowFitsInt32(int32_t in, int32_t filter, int32_t stride, int32_t dilation) {
  constexpr int64_t kMax = int64_t{1} << 29;
  const int64_t dilated = (int64_t{filter} - 1) * dilation + 1;
  return in <= kMax && filter >= 0 && stride <= kMax && dilation <= kMax && dilated <= kMax;
}

struct KernelOptions {
  KernelSet kernels = KernelSet::kFast;
  int num_threads = 1;  // a pipeline stage runs with exactly one
  // Largest activation arena an executor may allocate; a model needing more is refused with
  // ResourceExhausted instead of exhausting the host (real models need a few MiB).
  int64_t max_arena_bytes = int64_t{1} << 30;
};

// Buffers of one op invocation, in the order of Op::inputs / Op::outputs. An absent optional
// input (index -1) is nullptr. Constant inputs point at the Model's data.
struct KernelIo {
  std::span<const uint8_t* const> inputs;
  std::span<uint8_t* const> outputs;
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual void Run(const KernelIo& io) = 0;
};

// The reference kernel for model.ops[op_index]: TFLite's integer semantics, the oracle.
// Unsupported op/type/option -> UnimplementedError naming the op, its index and the type.
StatusOr<std::unique_ptr<Kernel>> PrepareReferenceKernel(const Model& model, int op_index);

// A fast kernel for model.ops[op_index], or nullptr (not an error) when there is no fast version
// of this op/configuration, in which case the caller uses the reference kernel.
StatusOr<std::unique_ptr<Kernel>> PrepareFastKernel(const Model& model, int op_index,
                                                    const KernelOptions& options);

}  // namespace segpipe

#endif  // SEGPIPE_KERNELS_INTERNAL_KERNEL_H_
