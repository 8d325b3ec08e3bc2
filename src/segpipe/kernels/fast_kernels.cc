// PrepareFastKernel: picks the fast (oneDNN-backed) kernel for an op, or none.
//
// Ops without a fast version, and configurations the fast kernels do not cover, get nullptr so
// the executor falls back to the reference kernel; the reference kernel is also the one that
// reports unsupported ops and types.
//
// On CPUs where oneDNN's int8 arithmetic is not exact (no VNNI; see Int8DotProductsAreExact)
// only the fast kernels that are exact there remain: CONV_2D with split weights (dnnl_conv.cc)
// and the direct depthwise convolution. The others would depart from TFLite's integer semantics
// by many quanta, so the reference kernels run them: slower there, never wrong.
#include <memory>

#include "segpipe/kernels/internal/dnnl_conv.h"
#include "segpipe/kernels/internal/dnnl_depthwise.h"
#include "segpipe/kernels/internal/dnnl_matmul.h"
#include "segpipe/kernels/internal/dnnl_util.h"
#include "segpipe/kernels/internal/kernel.h"

namespace segpipe {

StatusOr<std::unique_ptr<Kernel>> PrepareFastKernel(const Model& model, int op_index,
                                                    const KernelOptions& options) {
  if (op_index < 0 || static_cast<size_t>(op_index) >= model.ops.size()) {
    return InvalidArgumentError("op index out of range");
  }
  const Op& op = model.ops[static_cast<size_t>(op_index)];
  // Malformed ops (dangling tensor indices) are the reference kernel's to report.
  const auto num_tensors = static_cast<int32_t>(model.tensors.size());
  for (int32_t t : op.inputs) {
    if (t < -1 || t >= num_tensors) return std::unique_ptr<Kernel>();
  }
  for (int32_t t : op.outputs) {
    if (t < 0 || t >= num_tensors) return std::unique_ptr<Kernel>();
  }
  if (!dnnl_kernels::Int8DotProductsAreExact()) {
    if (op.type == OpType::kConv2D) return PrepareDnnlConv2D(model, op_index, options);
    if (op.type == OpType::kDepthwiseConv2D) {
      return PrepareDirectDepthwiseConv2D(model, op_index, options);
    }
    return std::unique_ptr<Kernel>();
  }
  switch (op.type) {
    case OpType::kConv2D:
      return PrepareDnnlConv2D(model, op_index, options);
    case OpType::kDepthwiseConv2D:
      return PrepareDnnlDepthwiseConv2D(model, op_index, options);
    case OpType::kFullyConnected:
      return PrepareDnnlFullyConnected(model, op_index, options);
    default:
      return std::unique_ptr<Kernel>();
  }
}

}  // namespace segpipe
