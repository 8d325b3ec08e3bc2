// Building and post-training quantization of the paper's FC and CONV families.
#include "segpipe/synth/internal/paper_models.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "segpipe/synth/internal/int8_builder.h"

namespace segpipe::synth {
namespace {

using internal::AsymmetricInt8;
using internal::Int8ModelBuilder;
using internal::QuantizeValue;

FloatLayer RandomLayer(bool conv, int in, int out, int kernel, FloatActivation activation,
                       SeededRandom& random) {
  FloatLayer layer;
  layer.conv = conv;
  layer.in_channels = in;
  layer.out_channels = out;
  layer.kernel = conv ? kernel : 1;
  layer.activation = activation;
  // Glorot uniform (Keras' default kernel initializer).
  const int receptive = layer.kernel * layer.kernel;
  const float limit = std::sqrt(6.0f / static_cast<float>(receptive * (in + out)));
  layer.weights.resize(static_cast<size_t>(out) * receptive * in);
  for (float& w : layer.weights) w = random.Uniform(-limit, limit);
  // Small non-zero biases (a trained net has them; zeros would leave bias quantization untested).
  layer.bias.resize(out);
  for (float& b : layer.bias) b = random.Uniform(-0.1f, 0.1f);
  return layer;
}

// Ranges without running data: pre-activation ~ N(bias, K * Var(w) * E[x^2]); keep +-4 sigma.
std::vector<LayerRanges> EstimateRanges(const FloatNet& net) {
  std::vector<LayerRanges> ranges(net.layers.size());
  double second_moment = 1.0 / 3.0;  // inputs uniform in [0, 1)
  for (size_t l = 0; l < net.layers.size(); ++l) {
    const FloatLayer& layer = net.layers[l];
    double weight_var = 0, max_bias = 0;
    for (float w : layer.weights) weight_var += double{w} * w;
    weight_var /= static_cast<double>(layer.weights.size());
    for (float b : layer.bias) max_bias = std::max(max_bias, std::abs(double{b}));
    const double fan_in = static_cast<double>(layer.kernel) * layer.kernel * layer.in_channels;
    const double sigma = std::sqrt(fan_in * weight_var * second_moment);
    const float bound = static_cast<float>(4 * sigma + max_bias);
    ranges[l].pre = {-bound, bound};
    switch (layer.activation) {
      case FloatActivation::kTanh:
        ranges[l].post = {-std::tanh(bound), std::tanh(bound)};
        second_moment = sigma * sigma / (1 + sigma * sigma);
        break;
      case FloatActivation::kRelu:
        ranges[l].post = {0, bound};
        second_moment = sigma * sigma / 2;
        break;
      case FloatActivation::kNone:
        ranges[l].post = ranges[l].pre;
        second_moment = sigma * sigma;
        break;
    }
  }
  return ranges;
}

struct Calibration {
  Range input;
  std::vector<LayerRanges> layers;
};

Calibration Calibrate(const FloatNet& net, int count, uint64_t seed) {
  Calibration c;
  c.input = {0.0f, 1.0f};
  if (count <= 0) {
    c.layers = EstimateRanges(net);
    return c;
  }
  c.layers.resize(net.layers.size());
  c.input = {0.0f, 0.0f};
  for (const std::vector<float>& x : RepresentativeInputs(net.InputSize(), count, seed)) {
    for (float v : x) c.input.max = std::max(c.input.max, v);
    Forward(net, x, &c.layers);
  }
  return c;
}

// Quantizes `net` into an int8 Model. FC nets: tanh layers become FULLY_CONNECTED + TANH.
Model Quantize(const FloatNet& net, const Calibration& calibration, std::string description) {
  Int8ModelBuilder b(std::move(description));
  std::vector<int32_t> shape = {1};
  for (int d : net.input_shape) shape.push_back(d);
  Quantization in_q = AsymmetricInt8(calibration.input);
  int32_t x = b.Activation("input", shape, in_q);
  b.model().inputs = {x};
  for (size_t l = 0; l < net.layers.size(); ++l) {
    const FloatLayer& layer = net.layers[l];
    const std::string prefix = fmt::format("{}{}", layer.conv ? "conv" : "dense", l + 1);
    const float in_scale = b.model().tensor(x).quant.scale[0];
    // Per-channel (axis 0) for conv, per-tensor for dense.
    const size_t rest = layer.weights.size() / static_cast<size_t>(layer.out_channels);
    const std::vector<float> w_scales =
        internal::SymmetricScales(layer.weights, layer.conv ? layer.out_channels : 1, rest);
    std::vector<int32_t> w_shape = {layer.out_channels, layer.in_channels};
    if (layer.conv) w_shape = {layer.out_channels, layer.kernel, layer.kernel, layer.in_channels};
    const int32_t w = b.Weights(prefix + "/kernel", w_shape, layer.weights, w_scales, rest, 0);
    const int32_t bias = b.Bias(prefix + "/bias", layer.bias, in_scale, w_scales);
    shape.back() = layer.out_channels;
    const LayerRanges& r = calibration.layers[l];
    if (layer.conv) {
      OpOptions options;
      options.padding = Padding::kSame;
      options.activation = layer.activation == FloatActivation::kRelu ? segpipe::Activation::kRelu
                                                                       : segpipe::Activation::kNone;
      const int32_t y = b.Activation(prefix + "/output", shape, AsymmetricInt8(r.post));
      b.AddOp(OpType::kConv2D, 3, {x, w, bias}, y, options);
      x = y;
    } else if (layer.activation == FloatActivation::kTanh) {
      const int32_t y = b.Activation(prefix + "/matmul", shape, AsymmetricInt8(r.pre));
      b.AddOp(OpType::kFullyConnected, 4, {x, w, bias}, y);
      Quantization tanh_q;
      tanh_q.scale = {1.0f / 128.0f};
      tanh_q.zero_point = {0};
      const int32_t t = b.Activation(prefix + "/tanh", shape, tanh_q);
      b.AddOp(OpType::kTanh, 2, {y}, t);
      x = t;
    } else {
      const int32_t y = b.Activation(prefix + "/output", shape, AsymmetricInt8(r.post));
      b.AddOp(OpType::kFullyConnected, 4, {x, w, bias}, y);
      x = y;
    }
  }
  b.model().outputs = {x};
  return std::move(b.model());
}

Status Positive(std::string_view what, int value) {
  if (value >= 1) return OkStatus();
  return InvalidArgumentError(fmt::format("{} must be at least 1, got {}", what, value));
}

// Refuses sizes whose weights (held in float while synthesizing, then int8) or activations could
// not be allocated, before anything is: a typo like --hidden 100000000 gets a message, not an
// out-of-memory abort.
Status CheckSynthSize(int64_t parameters, int64_t activation_elements, std::string_view flags) {
  if (parameters > kMaxSynthParameters)
    return ResourceExhaustedError(fmt::format(
        "{} give {} weights, more than the {} a synthetic model may have (weights are held in "
        "float while synthesizing); use smaller values",
        flags, parameters, kMaxSynthParameters));
  if (activation_elements > kMaxSynthActivationElements)
    return ResourceExhaustedError(fmt::format(
        "{} give a layer output of {} values, more than the {} a synthetic model may have; use "
        "smaller values",
        flags, activation_elements, kMaxSynthActivationElements));
  return OkStatus();
}

}  // namespace

std::vector<std::vector<float>> RepresentativeInputs(int64_t size, int count, uint64_t seed) {
  SeededRandom random(seed ^ 0x5EED0DA7Aull);
  std::vector<std::vector<float>> inputs(count, std::vector<float>(size));
  for (auto& x : inputs)
    for (float& v : x) v = random.Uniform(0.0f, 1.0f);
  return inputs;
}

std::vector<int8_t> QuantizeInput(const Model& model, std::span<const float> input) {
  const Tensor& t = model.tensor(model.inputs[0]);
  std::vector<int8_t> q(input.size());
  for (size_t i = 0; i < input.size(); ++i)
    q[i] = QuantizeValue(input[i], t.quant.scale[0], t.quant.zero_point[0]);
  return q;
}

StatusOr<SynthModel> SynthesizeFc(const FcConfig& c) {
  SEGPIPE_RETURN_IF_ERROR(Positive("--hidden", c.hidden));
  SEGPIPE_RETURN_IF_ERROR(Positive("--layers", c.layers));
  SEGPIPE_RETURN_IF_ERROR(Positive("--inputs", c.inputs));
  SEGPIPE_RETURN_IF_ERROR(Positive("--outputs", c.outputs));
  if (c.calibration_inputs < 0)
    return InvalidArgumentError("--calibration-inputs must not be negative");
  {
    const int64_t hidden = c.hidden, inputs = c.inputs, outputs = c.outputs;
    const int64_t parameters =
        c.layers == 1 ? inputs * outputs
                      : inputs * hidden + (c.layers - 2) * hidden * hidden + hidden * outputs;
    SEGPIPE_RETURN_IF_ERROR(CheckSynthSize(parameters, std::max({hidden, inputs, outputs}),
                                           "--hidden, --layers, --inputs and --outputs"));
  }
  SynthModel out;
  out.float_net.input_shape = {c.inputs};
  SeededRandom random(c.seed);
  int in = c.inputs;
  for (int l = 0; l < c.layers; ++l) {
    const bool last = l == c.layers - 1;
    const int units = last ? c.outputs : c.hidden;
    out.float_net.layers.push_back(RandomLayer(
        false, in, units, 1, last ? FloatActivation::kNone : FloatActivation::kTanh, random));
    in = units;
  }
  const Calibration calibration = Calibrate(out.float_net, c.calibration_inputs, c.seed);
  out.model = Quantize(out.float_net, calibration,
                       fmt::format("paper FC: {} -> {} x {} (tanh) -> {}, seed {}", c.inputs,
                                   c.layers - 1, c.hidden, c.outputs, c.seed));
  SEGPIPE_RETURN_IF_ERROR(ValidateAndSortModel(out.model));
  return out;
}

StatusOr<SynthModel> SynthesizeConv(const ConvConfig& c) {
  SEGPIPE_RETURN_IF_ERROR(Positive("--filters", c.filters));
  SEGPIPE_RETURN_IF_ERROR(Positive("--layers", c.layers));
  SEGPIPE_RETURN_IF_ERROR(Positive("--size", c.size));
  SEGPIPE_RETURN_IF_ERROR(Positive("--channels", c.channels));
  SEGPIPE_RETURN_IF_ERROR(Positive("--kernel", c.kernel));
  if (c.kernel % 2 == 0)
    return InvalidArgumentError(fmt::format("--kernel must be odd for SAME padding, got {}", c.kernel));
  if (c.calibration_inputs < 0)
    return InvalidArgumentError("--calibration-inputs must not be negative");
  {
    const int64_t f = c.filters, k2 = int64_t{c.kernel} * c.kernel, area = int64_t{c.size} * c.size;
    const int64_t parameters = k2 * c.channels * f + (c.layers - 1) * k2 * f * f;
    SEGPIPE_RETURN_IF_ERROR(CheckSynthSize(parameters, area * std::max<int64_t>(f, c.channels),
                                           "--filters, --layers, --size, --channels and --kernel"));
  }
  SynthModel out;
  out.float_net.input_shape = {c.size, c.size, c.channels};
  SeededRandom random(c.seed);
  int in = c.channels;
  for (int l = 0; l < c.layers; ++l) {
    out.float_net.layers.push_back(
        RandomLayer(true, in, c.filters, c.kernel, FloatActivation::kRelu, random));
    in = c.filters;
  }
  const Calibration calibration = Calibrate(out.float_net, c.calibration_inputs, c.seed);
  out.model = Quantize(out.float_net, calibration,
                       fmt::format("paper CONV: {}x{}x{} -> {} x conv{}x{} {} (relu), seed {}",
                                   c.size, c.size, c.channels, c.layers, c.kernel, c.kernel,
                                   c.filters, c.seed));
  SEGPIPE_RETURN_IF_ERROR(ValidateAndSortModel(out.model));
  return out;
}

std::vector<int> FcSweepHidden() {
  std::vector<int> v;
  for (int n = 100; n <= 2620; n += 40) v.push_back(n);
  return v;
}

std::vector<int> ConvSweepFilters() {
  std::vector<int> v;
  for (int f = 32; f <= 702; f += 10) v.push_back(f);
  return v;
}

}  // namespace segpipe::synth
