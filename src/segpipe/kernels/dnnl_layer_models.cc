// Single-layer quantized models built in code (see dnnl_layer_models.h).
#include "segpipe/kernels/internal/dnnl_layer_models.h"

#include <cmath>
#include <cstring>
#include <random>

namespace segpipe {
namespace {

int32_t OutSize(int32_t in, int32_t kernel, int32_t stride, int32_t dilation, Padding padding) {
  const int32_t effective = (kernel - 1) * dilation + 1;
  return padding == Padding::kSame ? (in + stride - 1) / stride
                                   : (in - effective + stride) / stride;
}

Tensor MakeTensor(std::string name, DataType type, std::vector<int32_t> shape, float scale,
                  int64_t zero_point) {
  Tensor t;
  t.name = std::move(name);
  t.type = type;
  t.shape = std::move(shape);
  t.quant.scale = {scale};
  t.quant.zero_point = {zero_point};
  return t;
}

}  // namespace

int64_t LayerMacs(const LayerSpec& s) {
  if (s.type == OpType::kFullyConnected) {
    return int64_t{s.batch} * s.in_channels * s.out_channels;
  }
  const int64_t pixels = int64_t{s.batch} *
                         OutSize(s.height, s.kernel, s.stride, s.dilation, s.padding) *
                         OutSize(s.width, s.kernel, s.stride, s.dilation, s.padding);
  const int64_t per_output = int64_t{s.kernel} * s.kernel *
                             (s.type == OpType::kDepthwiseConv2D ? 1 : s.in_channels);
  return pixels * s.out_channels * per_output;
}

Model BuildLayerModel(const LayerSpec& s, uint32_t seed) {
  std::mt19937 rng(seed);
  auto uniform_int = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const DataType type = s.uint8 ? DataType::kUInt8 : DataType::kInt8;
  const bool fc = s.type == OpType::kFullyConnected;
  const bool dw = s.type == OpType::kDepthwiseConv2D;
  const int32_t out_h = fc ? 1 : OutSize(s.height, s.kernel, s.stride, s.dilation, s.padding);
  const int32_t out_w = fc ? 1 : OutSize(s.width, s.kernel, s.stride, s.dilation, s.padding);
  const int64_t depth = fc ? s.in_channels : int64_t{s.kernel} * s.kernel * (dw ? 1 : s.in_channels);

  Model m;
  m.description = s.name;
  const float in_scale = s.uint8 ? 1.0f / 64 : 0.02f;
  const int64_t in_zero = s.uint8 ? 128 + uniform_int(-30, 30) : uniform_int(-20, 20);
  m.tensors.push_back(MakeTensor("input", type,
                                 fc ? std::vector<int32_t>{s.batch, s.in_channels}
                                    : std::vector<int32_t>{s.batch, s.height, s.width, s.in_channels},
                                 in_scale, in_zero));

  Tensor w;
  w.name = "weights";
  w.type = type;
  w.is_constant = true;
  w.shape = fc ? std::vector<int32_t>{s.out_channels, s.in_channels}
          : dw ? std::vector<int32_t>{1, s.kernel, s.kernel, s.out_channels}
               : std::vector<int32_t>{s.out_channels, s.kernel, s.kernel, s.in_channels};
  w.quant.axis = dw ? 3 : 0;
  const float base_scale = 0.004f;
  if (!s.uint8 && s.per_channel) {
    for (int32_t c = 0; c < s.out_channels; ++c) {
      w.quant.scale.push_back(base_scale * std::uniform_real_distribution<float>(0.5f, 1.5f)(rng));
      w.quant.zero_point.push_back(0);
    }
  } else {
    w.quant.scale = {base_scale};
    w.quant.zero_point = {s.uint8 ? uniform_int(80, 170) : 0};
  }
  w.data.resize(static_cast<size_t>(w.num_elements()));
  for (uint8_t& b : w.data) {
    b = s.uint8 ? static_cast<uint8_t>(uniform_int(0, 255))
                : static_cast<uint8_t>(static_cast<int8_t>(uniform_int(-127, 127)));
  }
  m.tensors.push_back(std::move(w));

  // |x - zx| and |w - zw| are ~75 on average for uniform bytes: spread the output over ~+-60
  // steps so clamps, rounding and both signs are exercised.
  const double acc_std = std::sqrt(static_cast<double>(depth)) * 75.0 * 75.0;
  const float out_scale = static_cast<float>(in_scale * base_scale * acc_std / 30.0);
  if (s.bias) {
    Tensor b;
    b.name = "bias";
    b.type = DataType::kInt32;
    b.is_constant = true;
    b.shape = {s.out_channels};
    // TFLite's convention (XNNPACK checks it): bias scale = input scale * weight scale, per
    // channel when the weights are.
    for (float ws : m.tensors[1].quant.scale) {
      b.quant.scale.push_back(in_scale * ws);
      b.quant.zero_point.push_back(0);
    }
    b.data.resize(static_cast<size_t>(s.out_channels) * sizeof(int32_t));
    for (int32_t c = 0; c < s.out_channels; ++c) {
      const auto v = static_cast<int32_t>(std::uniform_real_distribution<double>(-1, 1)(rng) * acc_std);
      std::memcpy(b.data.data() + static_cast<size_t>(c) * sizeof(int32_t), &v, sizeof(v));
    }
    m.tensors.push_back(std::move(b));
  }
  const int64_t out_zero = s.uint8 ? 128 + uniform_int(-40, 40) : uniform_int(-40, 40);
  m.tensors.push_back(MakeTensor("output", type,
                                 fc ? std::vector<int32_t>{s.batch, s.out_channels}
                                    : std::vector<int32_t>{s.batch, out_h, out_w, s.out_channels},
                                 out_scale, out_zero));

  Op op;
  op.type = s.type;
  op.inputs = {0, 1, s.bias ? 2 : -1};
  op.outputs = {s.bias ? 3 : 2};
  op.options.padding = s.padding;
  op.options.stride_h = op.options.stride_w = s.stride;
  op.options.dilation_h = op.options.dilation_w = s.dilation;
  op.options.depth_multiplier = dw ? s.out_channels / s.in_channels : 1;
  op.options.activation = s.activation;
  m.ops.push_back(std::move(op));
  m.inputs = {0};
  m.outputs = {s.bias ? 3 : 2};
  return m;
}

std::vector<LayerSpec> TestLayerSpecs() {
  constexpr OpType kConv2D = OpType::kConv2D, kDepthwiseConv2D = OpType::kDepthwiseConv2D,
                   kFullyConnected = OpType::kFullyConnected;
  constexpr Padding kSame = Padding::kSame, kValid = Padding::kValid;
  constexpr Activation kNone = Activation::kNone, kRelu = Activation::kRelu,
                       kRelu6 = Activation::kRelu6, kN1To1 = Activation::kReluN1To1;
  std::vector<LayerSpec> specs = {
      // MobileNet v1/v2 (uint8 per-tensor): stem, depthwise s1/s2, pointwise, head.
      {"u8_conv3x3_s2_stem", kConv2D, true, false, 1, 33, 32, 3, 32, 3, 2, 1, kSame, kRelu6},
      {"u8_conv3x3_s1_valid", kConv2D, true, false, 1, 12, 11, 16, 24, 3, 1, 1, kValid, kNone},
      {"u8_conv1x1", kConv2D, true, false, 1, 14, 14, 64, 128, 1, 1, 1, kSame, kRelu6},
      {"u8_conv1x1_head_1024_1001", kConv2D, true, false, 1, 1, 1, 1024, 1001, 1, 1, 1, kValid, kNone},
      {"u8_conv1x1_stride2", kConv2D, true, false, 1, 9, 9, 32, 48, 1, 2, 1, kSame, kRelu},
      {"u8_conv3x3_dilated", kConv2D, true, false, 1, 13, 13, 8, 16, 3, 1, 2, kSame, kRelu},
      {"u8_conv_nobias", kConv2D, true, false, 2, 7, 7, 8, 8, 3, 1, 1, kSame, kNone, false},
      {"u8_dw3x3_s1", kDepthwiseConv2D, true, false, 1, 28, 28, 128, 128, 3, 1, 1, kSame, kRelu6},
      {"u8_dw3x3_s2", kDepthwiseConv2D, true, false, 1, 29, 28, 64, 64, 3, 2, 1, kSame, kRelu6},
      {"u8_dw3x3_dilated_valid", kDepthwiseConv2D, true, false, 1, 17, 17, 40, 40, 3, 1, 2, kValid, kNone},
      {"u8_dw3x3_narrow_batch2", kDepthwiseConv2D, true, false, 2, 5, 2, 24, 24, 3, 1, 1, kSame, kNone},
      {"u8_dw5x5_s1", kDepthwiseConv2D, true, false, 1, 12, 12, 16, 16, 5, 1, 1, kSame, kRelu},
      {"u8_dw_multiplier2", kDepthwiseConv2D, true, false, 1, 10, 10, 8, 16, 3, 1, 1, kSame, kRelu},
      {"u8_fc_1280_965", kFullyConnected, true, false, 1, 1, 1, 1280, 965, 1, 1, 1, kSame, kNone},
      {"u8_fc_batch4_relu", kFullyConnected, true, false, 4, 1, 1, 96, 40, 1, 1, 1, kSame, kRelu},
      // int8 per-channel (person_detect, micro_speech, tf2 MobileNet v2).
      {"i8_conv3x3_s2_stem", kConv2D, false, true, 1, 96, 96, 1, 8, 3, 2, 1, kSame, kRelu6},
      {"i8_conv1x1", kConv2D, false, true, 1, 12, 12, 64, 96, 1, 1, 1, kSame, kRelu6},
      {"i8_conv_relu_n1_to_1", kConv2D, false, true, 1, 8, 8, 8, 8, 3, 1, 1, kSame, kN1To1},
      {"i8_dw3x3_s1", kDepthwiseConv2D, false, true, 1, 24, 24, 32, 32, 3, 1, 1, kSame, kRelu6},
      {"i8_dw3x3_s2", kDepthwiseConv2D, false, true, 1, 24, 24, 64, 64, 3, 2, 1, kSame, kRelu},
      {"i8_dw_10x8_s2_valid", kDepthwiseConv2D, false, true, 1, 49, 40, 1, 8, 8, 2, 1, kSame, kRelu},
      {"i8_dw_multiplier4", kDepthwiseConv2D, false, true, 1, 9, 9, 4, 16, 3, 1, 1, kValid, kNone},
      {"i8_fc_per_tensor", kFullyConnected, false, false, 1, 1, 1, 16, 16, 1, 1, 1, kSame, kRelu},
      {"i8_fc_per_channel", kFullyConnected, false, true, 3, 1, 1, 40, 12, 1, 1, 1, kSame, kNone},
      {"i8_fc_no_bias", kFullyConnected, false, false, 2, 1, 1, 33, 7, 1, 1, 1, kSame, kNone, false},
      // The paper's FC family (int8 per-tensor): 64 -> n, n -> n, n -> 10, n = 100..2620.
      {"paper_fc_64_100", kFullyConnected, false, false, 1, 1, 1, 64, 100, 1, 1, 1, kSame, kNone},
      {"paper_fc_2620_2620", kFullyConnected, false, false, 1, 1, 1, 2620, 2620, 1, 1, 1, kSame, kNone},
      {"paper_fc_2620_10_batch8", kFullyConnected, false, false, 8, 1, 1, 2620, 10, 1, 1, 1, kSame, kNone},
      // The paper's CONV family (int8 per-channel, 3x3, stride 1, same, ReLU): 3 -> f, f -> f.
      {"paper_conv_3_32", kConv2D, false, true, 1, 64, 64, 3, 32, 3, 1, 1, kSame, kRelu},
      {"paper_conv_32_32", kConv2D, false, true, 1, 64, 64, 32, 32, 3, 1, 1, kSame, kRelu},
      {"paper_conv_702_702_on_4x4", kConv2D, false, true, 1, 4, 4, 702, 702, 3, 1, 1, kSame, kRelu},
  };
  return specs;
}

}  // namespace segpipe
