// Graph IR helpers: names, sizes, validation + topological order, costs, segment extraction.
#include "segpipe/model/model.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <queue>
#include <string>

#include "segpipe/model/internal/op_name.h"

namespace segpipe {

std::string_view DataTypeName(DataType type) {
  switch (type) {
    case DataType::kFloat32: return "float32";
    case DataType::kInt8: return "int8";
    case DataType::kUInt8: return "uint8";
    case DataType::kInt16: return "int16";
    case DataType::kInt32: return "int32";
    case DataType::kInt64: return "int64";
    case DataType::kBool: return "bool";
  }
  return "?";
}

int64_t DataTypeSize(DataType type) {
  switch (type) {
    case DataType::kFloat32: return 4;
    case DataType::kInt8: return 1;
    case DataType::kUInt8: return 1;
    case DataType::kInt16: return 2;
    case DataType::kInt32: return 4;
    case DataType::kInt64: return 8;
    case DataType::kBool: return 1;
  }
  return 1;
}

int64_t Tensor::num_elements() const {
  int64_t n = 1;
  for (int32_t d : shape) {
    if (d < 0) return -1;
    if (__builtin_mul_overflow(n, static_cast<int64_t>(d), &n)) return -1;
  }
  return n;
}

std::string_view OpTypeName(OpType type) {
  switch (type) {
    case OpType::kConv2D: return "CONV_2D";
    case OpType::kDepthwiseConv2D: return "DEPTHWISE_CONV_2D";
    case OpType::kFullyConnected: return "FULLY_CONNECTED";
    case OpType::kAdd: return "ADD";
    case OpType::kMul: return "MUL";
    case OpType::kSub: return "SUB";
    case OpType::kAveragePool2D: return "AVERAGE_POOL_2D";
    case OpType::kMaxPool2D: return "MAX_POOL_2D";
    case OpType::kReshape: return "RESHAPE";
    case OpType::kSqueeze: return "SQUEEZE";
    case OpType::kSoftmax: return "SOFTMAX";
    case OpType::kLogistic: return "LOGISTIC";
    case OpType::kTanh: return "TANH";
    case OpType::kRelu: return "RELU";
    case OpType::kRelu6: return "RELU6";
    case OpType::kHardSwish: return "HARD_SWISH";
    case OpType::kQuantize: return "QUANTIZE";
    case OpType::kDequantize: return "DEQUANTIZE";
    case OpType::kConcatenation: return "CONCATENATION";
    case OpType::kSplit: return "SPLIT";
    case OpType::kMean: return "MEAN";
    case OpType::kPad: return "PAD";
    case OpType::kResizeBilinear: return "RESIZE_BILINEAR";
    case OpType::kArgMax: return "ARG_MAX";
    case OpType::kTranspose: return "TRANSPOSE";
    case OpType::kUnknownBuiltin: return "UNKNOWN_BUILTIN";
    case OpType::kCustom: return "CUSTOM";
  }
  return "?";
}

std::string_view ActivationName(Activation a) {
  switch (a) {
    case Activation::kNone: return "NONE";
    case Activation::kRelu: return "RELU";
    case Activation::kReluN1To1: return "RELU_N1_TO_1";
    case Activation::kRelu6: return "RELU6";
    case Activation::kTanh: return "TANH";
    case Activation::kSignBit: return "SIGN_BIT";
  }
  return "?";
}

namespace {

// Largest tensor we accept: far above any real model, low enough that byte counts never overflow.
constexpr int64_t kMaxTensorElements = int64_t{1} << 34;
// Largest per-inference work we accept (multiply-accumulates, weight bytes and activation bytes,
// each summed over the model): about 10^15, four orders of magnitude above the largest real
// network, and low enough that sums of them over plans and batches never overflow.
constexpr int64_t kMaxModelWork = int64_t{1} << 50;

constexpr int64_t kSaturated = std::numeric_limits<int64_t>::max();

int64_t SaturatingMul(int64_t a, int64_t b) {
  int64_t r;
  return __builtin_mul_overflow(a, b, &r) ? kSaturated : r;
}

int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t r;
  return __builtin_add_overflow(a, b, &r) ? kSaturated : r;
}

bool ValidIndex(const Model& m, int32_t t) {
  return t >= 0 && static_cast<size_t>(t) < m.tensors.size();
}

std::string OpLabel(const Model& m, size_t i) {
  const Op& op = m.ops[i];
  if (op.type == OpType::kCustom) return fmt::format("op {} (CUSTOM '{}')", i, op.custom_code);
  if (op.type == OpType::kUnknownBuiltin)
    return fmt::format("op {} (builtin code {})", i, op.builtin_code);
  return fmt::format("op {} ({})", i, OpTypeName(op.type));
}

}  // namespace

Status ValidateAndSortModel(Model& model) {
  const size_t num_tensors = model.tensors.size();
  for (size_t t = 0; t < num_tensors; ++t) {
    const Tensor& tensor = model.tensors[t];
    int64_t n = tensor.num_elements();
    if (n < 0 || n > kMaxTensorElements)
      return DataLossError(fmt::format("tensor {} ('{}') has an invalid shape", t, tensor.name));
    if (tensor.is_constant && static_cast<int64_t>(tensor.data.size()) != n * DataTypeSize(tensor.type))
      return DataLossError(fmt::format(
          "tensor {} ('{}'): constant data has {} bytes, its shape and type need {}", t,
          tensor.name, tensor.data.size(), n * DataTypeSize(tensor.type)));
    const Quantization& q = tensor.quant;
    if (!q.empty() && q.zero_point.size() != q.scale.size() && q.zero_point.size() > 1)
      return DataLossError(fmt::format("tensor {} ('{}'): {} scales but {} zero points", t,
                                       tensor.name, q.scale.size(), q.zero_point.size()));
  }
  for (int32_t t : model.inputs)
    if (!ValidIndex(model, t)) return DataLossError(fmt::format("model input {} is out of range", t));
  for (int32_t t : model.outputs)
    if (!ValidIndex(model, t)) return DataLossError(fmt::format("model output {} is out of range", t));

  // Producer of every tensor; each tensor is produced at most once and never overwrites a
  // constant or a model input.
  std::vector<int> producer(num_tensors, -1);
  for (size_t i = 0; i < model.ops.size(); ++i) {
    const Op& op = model.ops[i];
    for (int32_t t : op.inputs)
      if (t != -1 && !ValidIndex(model, t))
        return DataLossError(fmt::format("{} reads tensor {}, which does not exist", OpLabel(model, i), t));
    for (int32_t t : op.outputs) {
      if (!ValidIndex(model, t))
        return DataLossError(fmt::format("{} writes tensor {}, which does not exist", OpLabel(model, i), t));
      if (producer[t] != -1)
        return DataLossError(fmt::format("tensor {} is written by two ops ({} and {})", t, producer[t], i));
      if (model.tensors[t].is_constant)
        return DataLossError(fmt::format("{} writes constant tensor {}", OpLabel(model, i), t));
      producer[t] = static_cast<int>(i);
    }
  }

  // Kahn's algorithm, preferring the original order, so an already sorted model is unchanged.
  const size_t num_ops = model.ops.size();
  std::vector<int> pending(num_ops, 0);
  std::vector<std::vector<int>> consumers(num_ops);
  for (size_t i = 0; i < num_ops; ++i) {
    std::vector<int> deps;
    for (int32_t t : model.ops[i].inputs)
      if (t != -1 && producer[t] != -1) deps.push_back(producer[t]);
    std::sort(deps.begin(), deps.end());
    deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
    for (int d : deps) {
      if (d == static_cast<int>(i))
        return DataLossError(fmt::format("{} reads its own output", OpLabel(model, i)));
      consumers[d].push_back(static_cast<int>(i));
    }
    pending[i] = static_cast<int>(deps.size());
  }
  std::priority_queue<int, std::vector<int>, std::greater<>> ready;
  for (size_t i = 0; i < num_ops; ++i)
    if (pending[i] == 0) ready.push(static_cast<int>(i));
  std::vector<int> order;
  order.reserve(num_ops);
  while (!ready.empty()) {
    int i = ready.top();
    ready.pop();
    order.push_back(i);
    for (int c : consumers[i])
      if (--pending[c] == 0) ready.push(c);
  }
  if (order.size() != num_ops) return DataLossError("the graph has a cycle");
  bool sorted = true;
  for (size_t i = 0; i < num_ops; ++i) sorted &= order[i] == static_cast<int>(i);
  if (!sorted) {
    std::vector<Op> ops;
    ops.reserve(num_ops);
    for (int i : order) ops.push_back(std::move(model.ops[i]));
    model.ops = std::move(ops);
  }
  for (int32_t t : model.outputs) {
    bool is_input = std::find(model.inputs.begin(), model.inputs.end(), t) != model.inputs.end();
    if (producer[t] == -1 && !is_input && !model.tensors[t].is_constant)
      return DataLossError(fmt::format("model output tensor {} ('{}') is never produced", t,
                                       model.tensors[t].name));
  }
  // Every cost figure summed over the model stays far from overflow for all later arithmetic.
  OpCost total;
  for (const Op& op : model.ops) {
    const OpCost cost = ComputeOpCost(model, op);
    total.macs = SaturatingAdd(total.macs, cost.macs);
    total.weight_bytes = SaturatingAdd(total.weight_bytes, cost.weight_bytes);
    total.output_bytes = SaturatingAdd(total.output_bytes, cost.output_bytes);
  }
  const auto too_large = [](int64_t value) {
    return value == kSaturated ? std::string("more than 2^63") : fmt::format("{}", value);
  };
  if (total.macs > kMaxModelWork)
    return DataLossError(fmt::format(
        "the model needs {} multiply-accumulates per inference, more than the 2^50 segpipe "
        "accepts; its tensor shapes are implausible (a corrupt file?)", too_large(total.macs)));
  if (total.weight_bytes > kMaxModelWork || total.output_bytes > kMaxModelWork)
    return DataLossError(fmt::format(
        "the model's ops read {} bytes of weights and write {} bytes of activations per "
        "inference, more than the 2^50 segpipe accepts; its tensor shapes are implausible (a "
        "corrupt file?)", too_large(total.weight_bytes), too_large(total.output_bytes)));
  return OkStatus();
}

OpCost ComputeOpCost(const Model& model, const Op& op) {
  OpCost cost;
  auto input = [&](size_t k) -> const Tensor* {
    if (k >= op.inputs.size() || op.inputs[k] < 0) return nullptr;
    return &model.tensor(op.inputs[k]);
  };
  // Saturating arithmetic: on a model that has not been validated (or a crafted one) the figures
  // clamp at INT64_MAX instead of overflowing; ValidateAndSortModel refuses such models.
  const auto bytes = [](const Tensor& t) {
    const int64_t n = t.num_elements();
    return n < 0 ? kSaturated : SaturatingMul(n, DataTypeSize(t.type));
  };
  for (int32_t t : op.inputs)
    if (t >= 0 && model.tensor(t).is_constant)
      cost.weight_bytes = SaturatingAdd(cost.weight_bytes, bytes(model.tensor(t)));
  int64_t out_elements = 0;
  for (int32_t t : op.outputs) {
    cost.output_bytes = SaturatingAdd(cost.output_bytes, bytes(model.tensor(t)));
    const int64_t n = model.tensor(t).num_elements();
    out_elements = SaturatingAdd(out_elements, n < 0 ? kSaturated : n);
  }
  const Tensor* filter = input(1);
  // Product of the output element count and the filter dims [first, last) (negative dims count 0).
  const auto macs = [&](size_t first, size_t last) {
    int64_t product = out_elements;
    for (size_t k = first; k < last; ++k)
      product = SaturatingMul(product, std::max<int64_t>(filter->shape[k], 0));
    return product;
  };
  switch (op.type) {
    case OpType::kConv2D:  // filter [OC, KH, KW, IC]
      if (filter && filter->shape.size() == 4) cost.macs = macs(1, 4);
      break;
    case OpType::kDepthwiseConv2D:  // filter [1, KH, KW, OC]
      if (filter && filter->shape.size() == 4) cost.macs = macs(1, 3);
      break;
    case OpType::kFullyConnected:  // weights [units, in]
      if (filter && filter->shape.size() == 2) cost.macs = macs(1, 2);
      break;
    default:
      break;
  }
  return cost;
}

int64_t ModelMacs(const Model& model) {
  int64_t macs = 0;
  for (const Op& op : model.ops) macs = SaturatingAdd(macs, ComputeOpCost(model, op).macs);
  return macs;
}

std::string QuantizationKind(const Tensor& tensor) {
  if (tensor.quant.empty()) return std::string(DataTypeName(tensor.type));
  return fmt::format("{} {}", DataTypeName(tensor.type),
                     tensor.quant.per_channel() ? "per-channel" : "per-tensor");
}

namespace {

// Index of the last op reading each tensor (-1: none); model outputs count as read at the end.
std::vector<int> LastReaders(const Model& model) {
  std::vector<int> last(model.tensors.size(), -1);
  for (size_t i = 0; i < model.ops.size(); ++i)
    for (int32_t t : model.ops[i].inputs)
      if (t >= 0) last[t] = static_cast<int>(i);
  for (int32_t t : model.outputs) last[t] = static_cast<int>(model.ops.size());
  return last;
}

}  // namespace

int FirstStatefulOp(const Model& model, int32_t* state_tensor, int first_op, int last_op) {
  std::vector<bool> defined(model.tensors.size(), false);
  for (int32_t t : model.inputs)
    if (ValidIndex(model, t)) defined[static_cast<size_t>(t)] = true;
  for (const Op& op : model.ops)
    for (int32_t t : op.outputs)
      if (ValidIndex(model, t)) defined[static_cast<size_t>(t)] = true;
  const int end = last_op < 0 ? static_cast<int>(model.ops.size()) - 1 : last_op;
  for (int i = std::max(first_op, 0); i <= end; ++i)
    for (int32_t t : model.ops[static_cast<size_t>(i)].inputs)
      if (ValidIndex(model, t) && !defined[static_cast<size_t>(t)] &&
          !model.tensor(t).is_constant) {
        if (state_tensor != nullptr) *state_tensor = t;
        return i;
      }
  return -1;
}

Status CheckModelCanBeCut(const Model& model, const std::string& label) {
  int32_t state = -1;
  const int op = FirstStatefulOp(model, &state);
  if (op < 0) return OkStatus();
  return UnimplementedError(fmt::format(
      "{}: op {} ({}) keeps state between inferences in tensor '{}', so the model cannot be cut "
      "into segments or run as a pipeline; segpipe does not support this op",
      label, op, OpDisplayName(model.ops[static_cast<size_t>(op)]), model.tensor(state).name));
}

StatusOr<Model> ExtractSegment(const Model& model, int first_op, int last_op) {
  const int num_ops = static_cast<int>(model.ops.size());
  if (first_op < 0 || last_op >= num_ops || first_op > last_op)
    return InvalidArgumentError(fmt::format(
        "segment [{}, {}] is not a valid op range of a model with {} ops", first_op, last_op, num_ops));
  std::vector<bool> produced_inside(model.tensors.size(), false);
  for (int i = first_op; i <= last_op; ++i)
    for (int32_t t : model.ops[i].outputs) produced_inside[t] = true;
  const std::vector<int> last_reader = LastReaders(model);
  int32_t state = -1;
  const int stateful = FirstStatefulOp(model, &state, first_op, last_op);
  if (stateful >= 0)
    return UnimplementedError(fmt::format(
        "{} keeps state between inferences in tensor '{}'; a model with stateful ops cannot be "
        "cut into segments or run as a pipeline",
        OpLabel(model, static_cast<size_t>(stateful)), model.tensor(state).name));

  std::vector<int32_t> seg_inputs, seg_outputs;
  std::vector<bool> used(model.tensors.size(), false);
  for (int i = first_op; i <= last_op; ++i) {
    for (int32_t t : model.ops[i].inputs) {
      if (t < 0) continue;
      if (!used[t] && !produced_inside[t] && !model.tensor(t).is_constant) seg_inputs.push_back(t);
      used[t] = true;
    }
    for (int32_t t : model.ops[i].outputs) {
      used[t] = true;
      if (last_reader[t] > last_op) seg_outputs.push_back(t);
    }
  }
  // Keep the original relative order of tensors so segments of one model look alike.
  std::vector<int32_t> remap(model.tensors.size(), -1);
  Model seg;
  seg.description = fmt::format("{}{}ops {}..{}", model.description,
                                model.description.empty() ? "" : " / ", first_op, last_op);
  for (size_t t = 0; t < model.tensors.size(); ++t) {
    if (!used[t]) continue;
    remap[t] = static_cast<int32_t>(seg.tensors.size());
    seg.tensors.push_back(model.tensors[t]);
  }
  for (int i = first_op; i <= last_op; ++i) {
    Op op = model.ops[i];
    for (int32_t& t : op.inputs)
      if (t >= 0) t = remap[t];
    for (int32_t& t : op.outputs) t = remap[t];
    seg.ops.push_back(std::move(op));
  }
  for (int32_t t : seg_inputs) seg.inputs.push_back(remap[t]);
  for (int32_t t : seg_outputs) seg.outputs.push_back(remap[t]);
  return seg;
}

std::vector<int> LayerEnds(const Model& model) {
  std::vector<int> ends;
  const int num_ops = static_cast<int>(model.ops.size());
  bool seen_weighted = false;
  for (int i = 0; i < num_ops; ++i) {
    OpType t = model.ops[i].type;
    bool weighted = t == OpType::kConv2D || t == OpType::kDepthwiseConv2D ||
                    t == OpType::kFullyConnected;
    if (weighted && seen_weighted) ends.push_back(i - 1);
    seen_weighted |= weighted;
  }
  if (num_ops > 0) ends.push_back(num_ops - 1);
  return ends;
}

std::vector<std::vector<int32_t>> SegmentBoundaries(const Model& model,
                                                    std::span<const int> last_op_of_each_range) {
  const std::vector<int> last_reader = LastReaders(model);
  std::vector<int> producer(model.tensors.size(), -2);  // -2: not an activation
  for (int32_t t : model.inputs) producer[t] = -1;
  for (size_t i = 0; i < model.ops.size(); ++i)
    for (int32_t t : model.ops[i].outputs) producer[t] = static_cast<int>(i);
  std::vector<std::vector<int32_t>> boundaries;
  for (int end : last_op_of_each_range) {
    std::vector<int32_t> live;
    // Model inputs first, then tensors in production order.
    for (int32_t t : model.inputs)
      if (last_reader[t] > end) live.push_back(t);
    for (int i = 0; i <= end && i < static_cast<int>(model.ops.size()); ++i)
      for (int32_t t : model.ops[i].outputs)
        if (last_reader[t] > end) live.push_back(t);
    boundaries.push_back(std::move(live));
  }
  return boundaries;
}

}  // namespace segpipe
