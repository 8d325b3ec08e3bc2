// Int8 quantization rules and model assembly shared by the synthesized models.
#include "segpipe/synth/internal/int8_builder.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "segpipe/tflite/internal/schema_mapping.h"

namespace segpipe::synth::internal {

Quantization AsymmetricInt8(Range range) {
  const double lo = std::min(0.0, double{range.min});
  double hi = std::max(0.0, double{range.max});
  if (hi - lo < 1e-8) hi = lo + 1e-8;
  const double scale = (hi - lo) / 255.0;
  const double zero_point = std::clamp(std::round(-128.0 - lo / scale), -128.0, 127.0);
  Quantization q;
  q.scale = {static_cast<float>(scale)};
  q.zero_point = {static_cast<int64_t>(zero_point)};
  return q;
}

int8_t QuantizeValue(float value, float scale, int64_t zero_point) {
  const double q = std::round(double{value} / scale) + static_cast<double>(zero_point);
  return static_cast<int8_t>(std::clamp(q, -128.0, 127.0));
}

std::vector<float> SymmetricScales(const std::vector<float>& weights, int channels, size_t inner) {
  const size_t n = static_cast<size_t>(std::max(channels, 1));
  std::vector<float> max_abs(n, 0.0f);
  // Walk the tensor in runs of `inner` elements that share a channel: no division per element
  // (the paper's sweeps quantize hundreds of millions of weights).
  const size_t run = n == 1 ? weights.size() : std::max<size_t>(inner, 1);
  for (size_t begin = 0, block = 0; begin < weights.size(); begin += run, ++block) {
    float& m = max_abs[n == 1 ? 0 : block % n];
    const size_t end = std::min(weights.size(), begin + run);
    for (size_t i = begin; i < end; ++i) m = std::max(m, std::abs(weights[i]));
  }
  for (float& m : max_abs) m = m > 0 ? m / 127.0f : 1.0f;
  return max_abs;
}

Int8ModelBuilder::Int8ModelBuilder(std::string description) {
  model_.description = std::move(description);
}

int32_t Int8ModelBuilder::Activation(std::string name, std::vector<int32_t> shape,
                                     Quantization quant) {
  Tensor t;
  t.name = std::move(name);
  t.type = DataType::kInt8;
  t.shape = std::move(shape);
  t.quant = std::move(quant);
  return Add(std::move(t));
}

int32_t Int8ModelBuilder::Weights(std::string name, std::vector<int32_t> shape,
                                  const std::vector<float>& values,
                                  const std::vector<float>& scales, size_t inner, int32_t axis) {
  Tensor t;
  t.name = std::move(name);
  t.type = DataType::kInt8;
  t.shape = std::move(shape);
  t.quant.scale = scales;
  t.quant.zero_point.assign(scales.size(), 0);
  t.quant.axis = axis;
  t.is_constant = true;
  t.data.resize(values.size());
  const size_t n = scales.size();
  const size_t run = n == 1 ? values.size() : std::max<size_t>(inner, 1);
  for (size_t begin = 0, block = 0; begin < values.size(); begin += run, ++block) {
    const float scale = scales[n == 1 ? 0 : block % n];
    const size_t end = std::min(values.size(), begin + run);
    for (size_t i = begin; i < end; ++i)
      t.data[i] = static_cast<uint8_t>(QuantizeValue(values[i], scale, 0));
  }
  return Add(std::move(t));
}

int32_t Int8ModelBuilder::Bias(std::string name, const std::vector<float>& values,
                               float input_scale, const std::vector<float>& weight_scales) {
  Tensor t;
  t.name = std::move(name);
  t.type = DataType::kInt32;
  t.shape = {static_cast<int32_t>(values.size())};
  t.is_constant = true;
  for (float ws : weight_scales) t.quant.scale.push_back(input_scale * ws);
  t.quant.zero_point.assign(weight_scales.size(), 0);
  t.data.resize(values.size() * sizeof(int32_t));
  for (size_t i = 0; i < values.size(); ++i) {
    const float scale = t.quant.scale.size() == 1 ? t.quant.scale[0] : t.quant.scale[i];
    const double q = std::clamp(std::round(double{values[i]} / scale), -2147483647.0, 2147483647.0);
    const int32_t v = static_cast<int32_t>(q);
    std::memcpy(&t.data[i * sizeof(int32_t)], &v, sizeof(v));
  }
  return Add(std::move(t));
}

int32_t Int8ModelBuilder::Int32Constant(std::string name, std::vector<int32_t> shape,
                                        const std::vector<int32_t>& values) {
  Tensor t;
  t.name = std::move(name);
  t.type = DataType::kInt32;
  t.shape = std::move(shape);
  t.is_constant = true;
  t.data.resize(values.size() * sizeof(int32_t));
  std::memcpy(t.data.data(), values.data(), t.data.size());
  return Add(std::move(t));
}

void Int8ModelBuilder::AddOp(OpType type, int32_t version, std::vector<int32_t> inputs,
                             int32_t output, OpOptions options) {
  Op op;
  op.type = type;
  op.builtin_code = tflite_internal::BuiltinCodeFromOpType(type);
  op.version = version;
  op.inputs = std::move(inputs);
  op.outputs = {output};
  op.options = std::move(options);
  model_.ops.push_back(std::move(op));
}

int32_t Int8ModelBuilder::Add(Tensor t) {
  model_.tensors.push_back(std::move(t));
  return static_cast<int32_t>(model_.tensors.size() - 1);
}

}  // namespace segpipe::synth::internal
