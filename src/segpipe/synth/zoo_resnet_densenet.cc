// ResNet50 (v1), ResNet50V2, ResNet152V2 and DenseNet121 as Keras Applications defines them
// (keras/applications/resnet.py, resnet_v2.py, densenet.py; include_top=True).
#include <fmt/format.h>

#include "segpipe/synth/internal/zoo_architectures.h"

namespace segpipe::synth::internal {
namespace {

constexpr Activation kRelu = Activation::kRelu;
constexpr Activation kLinear = Activation::kNone;
constexpr Padding kSame = Padding::kSame;
constexpr Padding kValid = Padding::kValid;

int Last(const ZooGraph& g) { return static_cast<int>(g.nodes().size()) - 1; }

// Keras' ResNet stem: ZeroPadding2D(3), 7x7/2 conv with bias, [BN + ReLU], ZeroPadding2D(1),
// 3x3/2 max pool. v2 (preact) has no BN/ReLU here.
int Stem(ZooGraph& g, bool preact) {
  int x = g.Pad(Last(g), 3, 3, 3, 3, "conv1_pad");
  x = g.Conv(x, 64, 7, 2, kValid, preact ? kLinear : kRelu,
             preact ? ZooBn::kNone : ZooBn::kFoldedIntoBiasedConv, "conv1_conv");
  x = g.Pad(x, 1, 1, 1, 1, "pool1_pad");
  return g.MaxPool(x, 3, 2, kValid, "pool1_pool");
}

// resnet.py block1: every conv has a bias and is followed by BN.
int Block1(ZooGraph& g, int x, int filters, int stride, bool conv_shortcut,
           const std::string& name) {
  constexpr ZooBn kBn = ZooBn::kFoldedIntoBiasedConv;
  const int shortcut =
      conv_shortcut ? g.Conv(x, 4 * filters, 1, stride, kValid, kLinear, kBn, name + "_0_conv") : x;
  x = g.Conv(x, filters, 1, stride, kValid, kRelu, kBn, name + "_1_conv");
  x = g.Conv(x, filters, 3, 1, kSame, kRelu, kBn, name + "_2_conv");
  x = g.Conv(x, 4 * filters, 1, 1, kValid, kLinear, kBn, name + "_3_conv");
  return g.Add(shortcut, x, kRelu, name + "_add");
}

// resnet_v2.py block2: pre-activation BN (unfoldable: it follows the addition), inner convs
// without bias followed by BN, the last conv and the projection shortcut with bias.
int Block2(ZooGraph& g, int x, int filters, int stride, bool conv_shortcut,
           const std::string& name) {
  constexpr ZooBn kBn = ZooBn::kFoldedIntoBiaslessConv;
  const int preact = g.BatchNorm(x, kRelu, name + "_preact_bn");
  int shortcut = x;
  if (conv_shortcut)
    shortcut =
        g.Conv(preact, 4 * filters, 1, stride, kValid, kLinear, ZooBn::kNone, name + "_0_conv");
  else if (stride > 1)
    shortcut = g.MaxPool(x, 1, stride, kValid, name + "_0_max_pooling2d");
  x = g.Conv(preact, filters, 1, 1, kValid, kRelu, kBn, name + "_1_conv");
  x = g.Pad(x, 1, 1, 1, 1, name + "_2_pad");
  x = g.Conv(x, filters, 3, stride, kValid, kRelu, kBn, name + "_2_conv");
  x = g.Conv(x, 4 * filters, 1, 1, kValid, kLinear, ZooBn::kNone, name + "_3_conv");
  return g.Add(shortcut, x, kLinear, name + "_out");
}

void Head(ZooGraph& g, int x, int classes) {
  x = g.Mean(x, /*keep_dims=*/false, "avg_pool");
  x = g.Dense(x, classes, kLinear, "predictions");
  g.Softmax(x, "predictions_softmax");
}

// Blocks per stage (filters 64, 128, 256, 512).
void BuildResNetV2(ZooGraph& g, int classes, const int (&blocks)[4]) {
  int x = Stem(g, /*preact=*/true);
  for (int stage = 0; stage < 4; ++stage) {
    const int filters = 64 << stage;
    const int last_stride = stage == 3 ? 1 : 2;  // stack2's stride1, applied in its last block
    for (int b = 1; b <= blocks[stage]; ++b)
      x = Block2(g, x, filters, b == blocks[stage] ? last_stride : 1, b == 1,
                 fmt::format("conv{}_block{}", stage + 2, b));
  }
  x = g.BatchNorm(x, kRelu, "post_bn");
  Head(g, x, classes);
}

}  // namespace

void BuildResNet50V1(ZooGraph& g, int classes) {
  static constexpr int kBlocks[] = {3, 4, 6, 3};
  int x = Stem(g, /*preact=*/false);
  for (int stage = 0; stage < 4; ++stage)
    for (int b = 1; b <= kBlocks[stage]; ++b)
      x = Block1(g, x, 64 << stage, b == 1 && stage > 0 ? 2 : 1, b == 1,
                 fmt::format("conv{}_block{}", stage + 2, b));
  Head(g, x, classes);
}

void BuildResNet50V2(ZooGraph& g, int classes) { BuildResNetV2(g, classes, {3, 4, 6, 3}); }
void BuildResNet152V2(ZooGraph& g, int classes) { BuildResNetV2(g, classes, {3, 8, 36, 3}); }

void BuildDenseNet121(ZooGraph& g, int classes) {
  static constexpr int kBlocks[] = {6, 12, 24, 16};
  constexpr int kGrowth = 32;
  int x = g.Pad(Last(g), 3, 3, 3, 3, "zero_padding2d");
  x = g.Conv(x, 64, 7, 2, kValid, kRelu, ZooBn::kFoldedIntoBiaslessConv, "conv1/conv");
  x = g.Pad(x, 1, 1, 1, 1, "zero_padding2d_1");
  x = g.MaxPool(x, 3, 2, kValid, "pool1");
  for (int stage = 0; stage < 4; ++stage) {
    for (int b = 1; b <= kBlocks[stage]; ++b) {
      // conv_block: BN + ReLU (on the concatenation), 1x1 conv + BN + ReLU, 3x3 conv.
      const std::string p = fmt::format("conv{}_block{}", stage + 2, b);
      int y = g.BatchNorm(x, kRelu, p + "_0_bn");
      y = g.Conv(y, 4 * kGrowth, 1, 1, kValid, kRelu, ZooBn::kFoldedIntoBiaslessConv,
                 p + "_1_conv");
      y = g.Conv(y, kGrowth, 3, 1, kSame, kLinear, ZooBn::kNoBias, p + "_2_conv");
      x = g.Concat({x, y}, p + "_concat");
    }
    if (stage == 3) break;
    // transition_block(reduction 0.5): BN + ReLU, 1x1 conv without bias, 2x2 average pool.
    const std::string p = fmt::format("pool{}", stage + 2);
    x = g.BatchNorm(x, kRelu, p + "_bn");
    x = g.Conv(x, g.node(x).channels / 2, 1, 1, kValid, kLinear, ZooBn::kNoBias, p + "_conv");
    x = g.AvgPool(x, 2, 2, kValid, p + "_pool");
  }
  x = g.BatchNorm(x, kRelu, "bn");
  Head(g, x, classes);
}

}  // namespace segpipe::synth::internal
