// The paper's model families: shapes, quantization parameters, determinism.
#include "segpipe/synth/internal/paper_models.h"

#include <gtest/gtest.h>

#include <cmath>

namespace segpipe::synth {
namespace {

TEST(SynthFcTest, HasThePapersShapesAndOps) {
  FcConfig c;
  c.hidden = 140;
  c.calibration_inputs = 4;
  auto m = SynthesizeFc(c);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const Model& model = m->model;
  ASSERT_EQ(model.ops.size(), 9u);  // 4 x (FC + TANH) + FC
  for (int l = 0; l < 4; ++l) {
    EXPECT_EQ(model.ops[2 * l].type, OpType::kFullyConnected);
    EXPECT_EQ(model.ops[2 * l + 1].type, OpType::kTanh);
    const Tensor& out = model.tensor(model.ops[2 * l + 1].outputs[0]);
    EXPECT_FLOAT_EQ(out.quant.scale[0], 1.0f / 128);
    EXPECT_EQ(out.quant.zero_point[0], 0);
  }
  EXPECT_EQ(model.ops[8].type, OpType::kFullyConnected);
  EXPECT_EQ(model.tensor(model.inputs[0]).shape, (std::vector<int32_t>{1, 64}));
  EXPECT_EQ(model.tensor(model.outputs[0]).shape, (std::vector<int32_t>{1, 10}));
  EXPECT_EQ(model.tensor(model.inputs[0]).type, DataType::kInt8);
  EXPECT_EQ(ModelMacs(model), 140 * (64 + 10 + 3 * 140));  // SYSTEM.md: n (I + O + 3n)
  const Tensor& w = model.tensor(model.ops[2].inputs[1]);
  EXPECT_EQ(w.shape, (std::vector<int32_t>{140, 140}));
  EXPECT_EQ(w.quant.scale.size(), 1u);  // per-tensor
  const Tensor& bias = model.tensor(model.ops[2].inputs[2]);
  EXPECT_EQ(bias.type, DataType::kInt32);
  const float in_scale = model.tensor(model.ops[2].inputs[0]).quant.scale[0];
  EXPECT_FLOAT_EQ(bias.quant.scale[0], in_scale * w.quant.scale[0]);
}

TEST(SynthConvTest, HasThePapersShapesAndPerChannelWeights) {
  ConvConfig c;
  c.filters = 8;
  c.size = 16;
  c.calibration_inputs = 2;
  auto m = SynthesizeConv(c);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const Model& model = m->model;
  ASSERT_EQ(model.ops.size(), 5u);
  for (const Op& op : model.ops) {
    EXPECT_EQ(op.type, OpType::kConv2D);
    EXPECT_EQ(op.options.activation, Activation::kRelu);
    EXPECT_EQ(op.options.padding, Padding::kSame);
    const Tensor& w = model.tensor(op.inputs[1]);
    EXPECT_EQ(w.quant.scale.size(), 8u);
    const Tensor& out = model.tensor(op.outputs[0]);
    EXPECT_EQ(out.quant.zero_point[0], -128);  // ReLU output range starts at 0
  }
  EXPECT_EQ(model.tensor(model.ops[0].inputs[1]).shape, (std::vector<int32_t>{8, 3, 3, 3}));
  EXPECT_EQ(ModelMacs(model), 16 * 16 * 9 * 8 * (3 + 4 * 8));
}

TEST(SynthTest, SameSeedSameModelDifferentSeedDifferentWeights) {
  FcConfig c;
  c.calibration_inputs = 3;
  auto a = SynthesizeFc(c), b = SynthesizeFc(c);
  c.seed = 2;
  auto d = SynthesizeFc(c);
  ASSERT_TRUE(a.ok() && b.ok() && d.ok());
  EXPECT_EQ(a->model, b->model);
  EXPECT_NE(a->model.tensors[1].data, d->model.tensors[1].data);
}

TEST(SynthTest, WeightsUseTheSymmetricInt8Range) {
  ConvConfig c;
  c.filters = 6;
  c.size = 8;
  c.calibration_inputs = 1;
  auto m = SynthesizeConv(c);
  ASSERT_TRUE(m.ok());
  const Tensor& w = m->model.tensor(m->model.ops[1].inputs[1]);
  const size_t per_channel = w.data.size() / 6;
  for (size_t o = 0; o < 6; ++o) {
    int max_abs = 0;
    for (size_t i = 0; i < per_channel; ++i)
      max_abs = std::max(max_abs, std::abs(static_cast<int8_t>(w.data[o * per_channel + i])));
    EXPECT_EQ(max_abs, 127) << "channel " << o;  // each channel's largest weight maps to 127
  }
}

TEST(SynthTest, RejectsBadConfigurations) {
  FcConfig fc;
  fc.hidden = 0;
  EXPECT_EQ(SynthesizeFc(fc).status().code(), StatusCode::kInvalidArgument);
  ConvConfig conv;
  conv.kernel = 2;
  EXPECT_EQ(SynthesizeConv(conv).status().code(), StatusCode::kInvalidArgument);
  conv.kernel = 3;
  conv.calibration_inputs = -1;
  EXPECT_FALSE(SynthesizeConv(conv).ok());
}

TEST(SynthTest, SweepsMatchThePaper) {
  EXPECT_EQ(FcSweepHidden().size(), 64u);
  EXPECT_EQ(FcSweepHidden().front(), 100);
  EXPECT_EQ(FcSweepHidden().back(), 2620);
  EXPECT_EQ(ConvSweepFilters().size(), 68u);
  EXPECT_EQ(ConvSweepFilters().back(), 702);
}

}  // namespace
}  // namespace segpipe::synth
