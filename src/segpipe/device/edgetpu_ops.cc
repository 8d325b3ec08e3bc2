// Edge TPU op mapping; see edgetpu_ops.h. The limits below restate Coral's list of supported
// operations ("Edge TPU compiler: supported operations" and "model requirements").
#include "segpipe/device/internal/edgetpu_ops.h"

#include <fmt/format.h>

#include <algorithm>

#include "segpipe/model/internal/op_name.h"

namespace segpipe {
namespace {

// TFLite builtin codes of supported operations that segpipe's IR keeps as kUnknownBuiltin.
enum BuiltinCode : int32_t {
  kL2Normalization = 11,
  kReluN1To1 = 20,
  kSpaceToDepth = 26,
  kUnidirectionalSequenceLstm = 44,
  kStridedSlice = 45,
  kPrelu = 54,
  kMaximum = 55,
  kMinimum = 57,
  kSlice = 65,
  kTransposeConv = 67,
  kExpandDims = 70,
  kSum = 74,
  kRsqrt = 76,
  kReduceMax = 82,
  kPack = 83,
  kReduceMin = 89,
  kResizeNearestNeighbor = 97,
  kSquaredDifference = 99,
};

constexpr int32_t kSupportedUnmappedBuiltins[] = {
    kL2Normalization,
    kReluN1To1,
    kSpaceToDepth,
    kUnidirectionalSequenceLstm,
    kStridedSlice,
    kPrelu,
    kMaximum,
    kMinimum,
    kSlice,
    kTransposeConv,
    kExpandDims,
    kSum,
    kRsqrt,
    kReduceMax,
    kPack,
    kReduceMin,
    kResizeNearestNeighbor,
    kSquaredDifference,
};

// Softmax runs on a 1-D input of at most this many elements.
constexpr int64_t kMaxSoftmaxElements = 16000;

bool IsEightBit(DataType t) { return t == DataType::kUInt8 || t == DataType::kInt8; }

// TFLite's integer LSTM keeps its cell state in 16 bits; the Edge TPU runs it that way.
bool DataTypeMappable(const Op& op, DataType t) {
  if (IsEightBit(t)) return true;
  return op.type == OpType::kUnknownBuiltin && op.builtin_code == kUnidirectionalSequenceLstm &&
         t == DataType::kInt16;
}

// The Edge TPU works on tensors of up to three dimensions; a higher-rank tensor is accepted when
// only its three innermost dimensions exceed 1 (a batch of one).
bool RankMappable(const std::vector<int32_t>& shape) {
  for (size_t i = 0; i + 3 < shape.size(); ++i)
    if (shape[i] > 1) return false;
  return true;
}

// Axis `axis` of a tensor of rank `rank` is the batch dimension of a 4-D (NHWC) tensor.
bool IsBatchAxis(int32_t axis, size_t rank) {
  const int64_t a = axis < 0 ? axis + static_cast<int64_t>(rank) : axis;
  return rank == 4 && a == 0;
}

EdgeTpuOpCheck Mapped() { return {true, kEdgeTpuMapped}; }
EdgeTpuOpCheck NotMapped(std::string reason) { return {false, std::move(reason)}; }

bool TypeSupported(const Op& op) {
  if (op.type == OpType::kQuantize || op.type == OpType::kDequantize) return true;
  if (op.type == OpType::kUnknownBuiltin) {
    for (int32_t code : kSupportedUnmappedBuiltins)
      if (op.builtin_code == code) return true;
    return false;
  }
  switch (op.type) {
    case OpType::kConv2D:
    case OpType::kDepthwiseConv2D:
    case OpType::kFullyConnected:
    case OpType::kAdd:
    case OpType::kMul:
    case OpType::kSub:
    case OpType::kAveragePool2D:
    case OpType::kMaxPool2D:
    case OpType::kReshape:
    case OpType::kSqueeze:
    case OpType::kSoftmax:
    case OpType::kLogistic:
    case OpType::kTanh:
    case OpType::kRelu:
    case OpType::kRelu6:
    case OpType::kConcatenation:
    case OpType::kSplit:
    case OpType::kMean:
    case OpType::kPad:
    case OpType::kResizeBilinear:
    case OpType::kTranspose:
      return true;
    default:
      return false;
  }
}

// Limits on the parameters of supported operations; empty when none fails.
std::string ParameterLimit(const Model& model, const Op& op) {
  auto in_shape = [&](size_t i) -> const std::vector<int32_t>& {
    static const std::vector<int32_t> kNone;
    return i < op.inputs.size() && op.inputs[i] >= 0 ? model.tensor(op.inputs[i]).shape : kNone;
  };
  const std::vector<int32_t>& out_shape = model.tensor(op.outputs[0]).shape;
  switch (op.type) {
    case OpType::kConv2D:
    case OpType::kDepthwiseConv2D:
      if (op.options.dilation_w != op.options.dilation_h)
        return "dilation differs in x and y (the Edge TPU needs the same dilation in both)";
      break;
    case OpType::kAveragePool2D:
    case OpType::kMaxPool2D:
    case OpType::kConcatenation:
      if (op.options.activation != Activation::kNone)
        return "fused activation function (not supported on this op)";
      if (op.type == OpType::kConcatenation && IsBatchAxis(op.options.axis, out_shape.size()))
        return "concatenation in the batch dimension";
      break;
    case OpType::kSplit:
      if (IsBatchAxis(op.options.axis, in_shape(1).size())) return "split in the batch dimension";
      break;
    case OpType::kSoftmax: {
      int64_t elements = 1, non_unit = 0;
      for (int32_t d : in_shape(0)) {
        elements = std::min<int64_t>(elements * std::max(d, 0), kMaxSoftmaxElements + 1);
        if (d > 1) ++non_unit;
      }
      if (non_unit > 1) return "softmax input is not 1-D";
      if (elements > kMaxSoftmaxElements)
        return fmt::format("softmax over more than {} elements", kMaxSoftmaxElements);
      break;
    }
    case OpType::kFullyConnected: {
      int64_t non_unit = 0;
      for (int32_t d : out_shape) non_unit += d > 1 ? 1 : 0;
      if (non_unit > 1) return "fully connected output is not one-dimensional";
      break;
    }
    case OpType::kResizeBilinear: {
      // Mapped on 3-D (HWC) data with a batch of one, as the list states. Growing a 1-pixel
      // dimension is a broadcast with no neighbour to interpolate from; the compiler leaves it
      // to the CPU (DeepLab's image-pooling branch, 1x1 -> 33x33).
      const std::vector<int32_t>& in = in_shape(0);
      if (in.size() != 4 || in[0] != 1 || out_shape.size() != 4)
        return "input is not 3-dimensional";
      if ((in[1] == 1 && out_shape[1] > 1) || (in[2] == 1 && out_shape[2] > 1))
        return "resizing up from a 1-pixel dimension (precision)";
      break;
    }
    default:
      break;
  }
  return "";
}

}  // namespace

EdgeTpuOpCheck CheckEdgeTpuOp(const Model& model, const Op& op) {
  if (op.outputs.empty()) return NotMapped("Operation not supported (no output)");
  if (op.type == OpType::kCustom)
    return NotMapped(fmt::format(
        "Operation not supported (custom op '{}' is unknown to the compiler)", op.custom_code));
  if (!TypeSupported(op)) return NotMapped("Operation not supported");
  // QUANTIZE from float and DEQUANTIZE to float are the CPU's end of a float interface.
  bool float_io = false;
  for (int32_t t : op.inputs)
    if (t >= 0 && !model.tensor(t).is_constant && !DataTypeMappable(op, model.tensor(t).type))
      float_io = true;
  for (int32_t t : op.outputs)
    if (!DataTypeMappable(op, model.tensor(t).type)) float_io = true;
  if (op.type == OpType::kDequantize || float_io)
    return NotMapped("Operation is working on an unsupported data type");
  for (int32_t t : op.inputs)
    if (t >= 0 && !model.tensor(t).is_constant && !RankMappable(model.tensor(t).shape))
      return NotMapped("Tensor has unsupported rank (up to 3 innermost dimensions mapped)");
  for (int32_t t : op.outputs)
    if (!RankMappable(model.tensor(t).shape))
      return NotMapped("Tensor has unsupported rank (up to 3 innermost dimensions mapped)");
  const std::string limit = ParameterLimit(model, op);
  if (!limit.empty())
    return NotMapped(fmt::format("Operation is otherwise supported, but not mapped: {}", limit));
  return Mapped();
}

std::vector<EdgeTpuOpCheck> CheckEdgeTpuOps(const Model& model) {
  std::vector<EdgeTpuOpCheck> checks;
  checks.reserve(model.ops.size());
  for (const Op& op : model.ops) checks.push_back(CheckEdgeTpuOp(model, op));
  return checks;
}

SegmentOpMapping MapOpsForEdgeTpu(const Model& model, int first_op, int last_op) {
  std::vector<EdgeTpuOpCheck> checks(model.ops.size());
  for (int i = first_op; i <= last_op; ++i)
    checks[static_cast<size_t>(i)] = CheckEdgeTpuOp(model, model.ops[static_cast<size_t>(i)]);
  return MapOpsForEdgeTpu(model, checks, first_op, last_op);
}

SegmentOpMapping MapOpsForEdgeTpu(const Model& model, const std::vector<EdgeTpuOpCheck>& checks,
                                  int first_op, int last_op) {
  SEGPIPE_CHECK(checks.size() == model.ops.size());
  SegmentOpMapping m;
  m.first_op = first_op;
  m.last_op = last_op;
  m.end_op = last_op + 1;
  bool ended = false;
  for (int i = first_op; i <= last_op; ++i) {
    const Op& op = model.ops[static_cast<size_t>(i)];
    const EdgeTpuOpCheck& check = checks[static_cast<size_t>(i)];
    std::string status = check.reason;
    bool on_tpu = false;
    if (ended) {
      if (check.mappable) status = kEdgeTpuAfterCpuOp;
    } else if (check.mappable) {
      on_tpu = true;
    } else if (!(m.num_edgetpu_ops == 0 && op.type == OpType::kQuantize)) {
      ended = true;
      m.end_op = i;
    }
    m.on_edgetpu.push_back(on_tpu);
    m.status.push_back(std::move(status));
    if (on_tpu)
      ++m.num_edgetpu_ops;
    else
      m.cpu_ops.push_back(i);
  }
  return m;
}

std::vector<OperationTableRow> OperationTable(const Model& model, const SegmentOpMapping& mapping) {
  std::vector<OperationTableRow> rows;
  for (int i = mapping.first_op; i <= mapping.last_op; ++i) {
    const size_t k = static_cast<size_t>(i - mapping.first_op);
    const std::string name = OpDisplayName(model.ops[static_cast<size_t>(i)]);
    auto it = std::find_if(rows.begin(), rows.end(), [&](const OperationTableRow& r) {
      return r.op == name && r.status == mapping.status[k];
    });
    if (it == rows.end())
      rows.push_back({name, 1, mapping.status[k]});
    else
      ++it->count;
  }
  return rows;
}

std::string FormatOperationTable(const std::vector<OperationTableRow>& rows) {
  size_t op_width = std::string_view("Operator").size();
  for (const OperationTableRow& r : rows) op_width = std::max(op_width, r.op.size());
  std::string out = fmt::format("{:<{}}  {:<5}  {}\n", "Operator", op_width, "Count", "Status");
  for (const OperationTableRow& r : rows)
    out += fmt::format("{:<{}}  {:<5}  {}\n", r.op, op_width, r.count, r.status);
  return out;
}

}  // namespace segpipe
