// PrepareReferenceKernel: picks the reference kernel family of an op.
#include <string>

#include "segpipe/kernels/internal/kernel.h"
#include "segpipe/kernels/internal/reference_common.h"

namespace segpipe {

StatusOr<std::unique_ptr<Kernel>> PrepareReferenceKernel(const Model& model, int op_index) {
  SEGPIPE_CHECK(op_index >= 0 && op_index < static_cast<int>(model.ops.size()));
  const Op& op = model.ops[static_cast<size_t>(op_index)];
  for (int32_t t : op.inputs) {
    if (t >= static_cast<int32_t>(model.tensors.size()) || t < -1) {
      return reference::Malformed(model, op_index, "refers to a tensor that does not exist");
    }
  }
  for (int32_t t : op.outputs) {
    if (t >= static_cast<int32_t>(model.tensors.size()) || t < 0) {
      return reference::Malformed(model, op_index, "refers to a tensor that does not exist");
    }
  }
  switch (op.type) {
    case OpType::kConv2D: return reference::PrepareConv(model, op_index);
    case OpType::kDepthwiseConv2D: return reference::PrepareDepthwiseConv(model, op_index);
    case OpType::kFullyConnected: return reference::PrepareFullyConnected(model, op_index);
    case OpType::kAdd:
    case OpType::kMul:
    case OpType::kSub: return reference::PrepareElementwise(model, op_index);
    case OpType::kAveragePool2D:
    case OpType::kMaxPool2D: return reference::PreparePool(model, op_index);
    case OpType::kReshape:
    case OpType::kSqueeze:
    case OpType::kTranspose:
    case OpType::kPad:
    case OpType::kConcatenation:
    case OpType::kSplit: return reference::PrepareReshapeLike(model, op_index);
    case OpType::kSoftmax:
    case OpType::kLogistic:
    case OpType::kTanh:
    case OpType::kRelu:
    case OpType::kRelu6:
    case OpType::kHardSwish: return reference::PrepareActivation(model, op_index);
    case OpType::kQuantize:
    case OpType::kDequantize: return reference::PrepareQuantizeOp(model, op_index);
    case OpType::kMean: return reference::PrepareMean(model, op_index);
    case OpType::kResizeBilinear: return reference::PrepareResizeBilinear(model, op_index);
    case OpType::kArgMax: return reference::PrepareArgMax(model, op_index);
    case OpType::kUnknownBuiltin:
    case OpType::kCustom: break;
  }
  return reference::Unsupported(model, op_index,
                                "this operator is not supported on the CPU; convert the model "
                                "without it (`segpipe inspect` lists the model's ops and marks "
                                "the unsupported ones)");
}

}  // namespace segpipe
