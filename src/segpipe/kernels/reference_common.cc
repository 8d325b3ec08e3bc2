// Helpers shared by the reference kernels (see reference_common.h).
#include "segpipe/kernels/internal/reference_common.h"

#include <cmath>

#include <fmt/format.h>

#include "segpipe/kernels/internal/quantization_util.h"
#include "segpipe/model/internal/op_name.h"

namespace segpipe::reference {

std::string OpLabel(const Model& model, int op_index) {
  const Op& op = model.ops[static_cast<size_t>(op_index)];
  if (op.type == OpType::kCustom) return fmt::format("op {} (CUSTOM '{}')", op_index, op.custom_code);
  if (op.type == OpType::kUnknownBuiltin) {
    return fmt::format("op {} ({}, builtin code {})", op_index, OpDisplayName(op),
                       op.builtin_code);
  }
  return fmt::format("op {} ({})", op_index, OpTypeName(op.type));
}

Status Unsupported(const Model& model, int op_index, std::string_view what) {
  return UnimplementedError(fmt::format("{}: {}", OpLabel(model, op_index), what));
}

Status Malformed(const Model& model, int op_index, std::string_view what) {
  return InvalidArgumentError(fmt::format("{}: {}", OpLabel(model, op_index), what));
}

Status CheckWindow(const Model& model, int op_index, const Window& w) {
  if (WindowFitsInt32(w.in_h, w.filter_h, w.stride_h, w.dilation_h) &&
      WindowFitsInt32(w.in_w, w.filter_w, w.stride_w, w.dilation_w)) {
    return OkStatus();
  }
  return Unsupported(model, op_index,
                     fmt::format("input {}x{}, filter {}x{}, stride {}x{}, dilation {}x{}: an "
                                 "extent, stride, dilation or dilated filter extent is above 2^29",
                                 w.in_h, w.in_w, w.filter_h, w.filter_w, w.stride_h, w.stride_w,
                                 w.dilation_h, w.dilation_w));
}

bool IsQuantized8(DataType type) { return type == DataType::kInt8 || type == DataType::kUInt8; }

Status CheckArity(const Model& model, int op_index, size_t min_inputs, size_t num_outputs) {
  const Op& op = model.ops[static_cast<size_t>(op_index)];
  if (op.inputs.size() < min_inputs) {
    return Malformed(model, op_index,
                     fmt::format("needs {} inputs, has {}", min_inputs, op.inputs.size()));
  }
  for (size_t i = 0; i < min_inputs; ++i) {
    if (op.inputs[i] < 0) return Malformed(model, op_index, fmt::format("input {} is missing", i));
  }
  if (op.outputs.size() != num_outputs) {
    return Malformed(model, op_index,
                     fmt::format("needs {} outputs, has {}", num_outputs, op.outputs.size()));
  }
  return OkStatus();
}

const Tensor& InputTensor(const Model& model, int op_index, size_t pos) {
  return model.tensor(model.ops[static_cast<size_t>(op_index)].inputs[pos]);
}

const Tensor& OutputTensor(const Model& model, int op_index, size_t pos) {
  return model.tensor(model.ops[static_cast<size_t>(op_index)].outputs[pos]);
}

StatusOr<QuantParams> PerTensorQuant8(const Model& model, int op_index, const Tensor& tensor,
                                      std::string_view role) {
  if (!IsQuantized8(tensor.type)) {
    return Unsupported(model, op_index,
                       fmt::format("{} '{}' has type {}; only int8 and uint8 are supported", role,
                                   tensor.name, DataTypeName(tensor.type)));
  }
  if (tensor.quant.scale.size() != 1 || tensor.quant.zero_point.size() != 1) {
    return Unsupported(model, op_index,
                       fmt::format("{} '{}' of type {} needs per-tensor quantization ({})", role,
                                   tensor.name, DataTypeName(tensor.type), QuantizationKind(tensor)));
  }
  const float scale = tensor.quant.scale[0];
  if (!(scale > 0.0f) || !std::isfinite(scale)) {
    return Malformed(model, op_index,
                     fmt::format("{} '{}' has quantization scale {}", role, tensor.name, scale));
  }
  const int64_t zp = tensor.quant.zero_point[0];
  if (zp < QuantizedMin(tensor.type) || zp > QuantizedMax(tensor.type)) {
    return Malformed(model, op_index, fmt::format("{} '{}' has zero point {} outside its type",
                                                  role, tensor.name, zp));
  }
  return QuantParams{scale, static_cast<int32_t>(zp)};
}

std::vector<int32_t> ExtendShape(const std::vector<int32_t>& shape, size_t rank) {
  std::vector<int32_t> out(rank > shape.size() ? rank - shape.size() : 0, 1);
  out.insert(out.end(), shape.begin(), shape.end());
  return out;
}

StatusOr<std::vector<int64_t>> ReadIndexTensor(const Model& model, int op_index,
                                               const Tensor& tensor, std::string_view role) {
  if (!tensor.is_constant) {
    return Unsupported(model, op_index, fmt::format("{} '{}' must be a constant", role, tensor.name));
  }
  std::vector<int64_t> values;
  const int64_t n = tensor.num_elements();
  if (tensor.type == DataType::kInt32) {
    for (int64_t i = 0; i < n; ++i) {
      int32_t v;
      std::memcpy(&v, tensor.data.data() + 4 * i, 4);
      values.push_back(v);
    }
  } else if (tensor.type == DataType::kInt64) {
    for (int64_t i = 0; i < n; ++i) {
      int64_t v;
      std::memcpy(&v, tensor.data.data() + 8 * i, 8);
      values.push_back(v);
    }
  } else {
    return Unsupported(model, op_index, fmt::format("{} '{}' has type {}; expected int32 or int64",
                                                    role, tensor.name, DataTypeName(tensor.type)));
  }
  return values;
}

}  // namespace segpipe::reference

namespace segpipe::reference {

StatusOr<ChannelQuant> WeightQuant8(const Model& model, int op_index, const Tensor& weights,
                                    int32_t axis, int64_t channels) {
  if (!IsQuantized8(weights.type)) {
    return Unsupported(model, op_index,
                       fmt::format("weights '{}' have type {}; only int8 and uint8 are supported",
                                   weights.name, DataTypeName(weights.type)));
  }
  const Quantization& q = weights.quant;
  if (q.scale.empty() || q.zero_point.size() != q.scale.size()) {
    return Unsupported(model, op_index,
                       fmt::format("weights '{}' are not quantized ({})", weights.name,
                                   QuantizationKind(weights)));
  }
  if (q.per_channel() &&
      (q.axis != axis || static_cast<int64_t>(q.scale.size()) != channels)) {
    return Unsupported(model, op_index,
                       fmt::format("weights '{}' are quantized per channel along axis {} with {} "
                                   "scales; expected axis {} with {}",
                                   weights.name, q.axis, q.scale.size(), axis, channels));
  }
  ChannelQuant out;
  for (int64_t c = 0; c < channels; ++c) {
    const size_t i = q.per_channel() ? static_cast<size_t>(c) : 0;
    const float scale = q.scale[i];
    const int64_t zp = q.zero_point[i];
    if (!(scale > 0.0f) || !std::isfinite(scale) || zp < QuantizedMin(weights.type) ||
        zp > QuantizedMax(weights.type)) {
      return Malformed(model, op_index,
                       fmt::format("weights '{}' channel {} has scale {} and zero point {}",
                                   weights.name, c, scale, zp));
    }
    out.scales.push_back(scale);
    out.zero_points.push_back(static_cast<int32_t>(zp));
  }
  return out;
}

ChannelMultipliers ComputeChannelMultipliers(float input_scale, const ChannelQuant& weights,
                                             float output_scale) {
  ChannelMultipliers out;
  for (float w : weights.scales) {
    const double real = static_cast<double>(input_scale) * static_cast<double>(w) /
                        static_cast<double>(output_scale);
    int32_t m;
    int shift;
    QuantizeMultiplier(real, &m, &shift);
    out.multipliers.push_back(m);
    out.shifts.push_back(shift);
  }
  return out;
}

StatusOr<std::vector<int32_t>> ReadBias(const Model& model, int op_index, size_t input_pos,
                                        int64_t channels) {
  const Op& op = model.ops[static_cast<size_t>(op_index)];
  std::vector<int32_t> bias;
  if (op.inputs.size() <= input_pos || op.inputs[input_pos] < 0) return bias;
  const Tensor& t = model.tensor(op.inputs[input_pos]);
  if (t.type != DataType::kInt32) {
    return Unsupported(model, op_index, fmt::format("bias '{}' has type {}; expected int32",
                                                    t.name, DataTypeName(t.type)));
  }
  if (!t.is_constant) {
    return Unsupported(model, op_index, fmt::format("bias '{}' must be a constant", t.name));
  }
  if (t.num_elements() != channels) {
    return Malformed(model, op_index, fmt::format("bias '{}' has {} elements; expected {}",
                                                  t.name, t.num_elements(), channels));
  }
  bias.resize(static_cast<size_t>(channels));
  std::memcpy(bias.data(), t.data.data(), bias.size() * 4);
  return bias;
}

}  // namespace segpipe::reference
