// MobileNet v1 and v2 and VGG16/19 as Keras Applications defines them (include_top=True,
// alpha = 1, depth multiplier 1), and SqueezeNet v1.0 as torchvision defines it (the paper's
// v1.0 network).
#include <fmt/format.h>

#include "segpipe/synth/internal/zoo_architectures.h"

namespace segpipe::synth::internal {
namespace {

constexpr Activation kRelu = Activation::kRelu;
constexpr Activation kRelu6 = Activation::kRelu6;
constexpr Activation kLinear = Activation::kNone;
constexpr ZooBn kBn = ZooBn::kFoldedIntoBiaslessConv;
constexpr ZooBn kNoBn = ZooBn::kNone;
constexpr Padding kSame = Padding::kSame;
constexpr Padding kValid = Padding::kValid;

int Last(const ZooGraph& g) { return static_cast<int>(g.nodes().size()) - 1; }

}  // namespace

void BuildMobileNetV1(ZooGraph& g, int classes) {
  // keras.applications.MobileNet: (pointwise filters, depthwise stride) per block.
  struct Block {
    int filters, stride;
  };
  static constexpr Block kBlocks[] = {{64, 1},  {128, 2},  {128, 1}, {256, 2}, {256, 1},
                                      {512, 2}, {512, 1},  {512, 1}, {512, 1}, {512, 1},
                                      {512, 1}, {1024, 2}, {1024, 1}};
  int x = g.Conv(Last(g), 32, 3, 2, kSame, kRelu6, kBn, "conv1");
  int id = 1;
  for (const Block& b : kBlocks) {
    // Stride 2: ZeroPadding2D(((0, 1), (0, 1))) and a VALID depthwise conv.
    if (b.stride == 2) x = g.Pad(x, 0, 1, 0, 1, fmt::format("conv_pad_{}", id));
    x = g.Depthwise(x, 3, b.stride, b.stride == 2 ? kValid : kSame, kRelu6, kBn,
                    fmt::format("conv_dw_{}", id));
    x = g.Conv(x, b.filters, 1, 1, kSame, kRelu6, kBn, fmt::format("conv_pw_{}", id));
    ++id;
  }
  x = g.Mean(x, /*keep_dims=*/true, "global_average_pooling2d");
  x = g.Conv(x, classes, 1, 1, kSame, kLinear, kNoBn, "conv_preds");
  x = g.Reshape(x, "reshape_2");
  g.Softmax(x, "predictions");
}

void BuildMobileNetV2(ZooGraph& g, int classes) {
  // keras.applications.MobileNetV2: (expansion t, output channels c, repeats n, stride s).
  struct Stage {
    int expansion, channels, repeats, stride;
  };
  static constexpr Stage kStages[] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                                      {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  int x = g.Conv(Last(g), 32, 3, 2, kSame, kRelu6, kBn, "Conv1");
  int id = 0;
  for (const Stage& s : kStages) {
    for (int r = 0; r < s.repeats; ++r, ++id) {
      const int stride = r == 0 ? s.stride : 1;
      const std::string prefix = id == 0 ? "expanded_conv" : fmt::format("block_{}", id);
      const int in = x;
      const int in_channels = g.node(in).channels;
      if (id > 0)
        x = g.Conv(x, s.expansion * in_channels, 1, 1, kSame, kRelu6, kBn, prefix + "_expand");
      if (stride == 2) {
        // correct_pad: ((0, 1), (0, 1)) on even sizes, ((1, 1), (1, 1)) on odd ones.
        const int before = g.node(x).height % 2;
        x = g.Pad(x, before, 1, before, 1, prefix + "_pad");
      }
      x = g.Depthwise(x, 3, stride, stride == 2 ? kValid : kSame, kRelu6, kBn,
                      prefix + "_depthwise");
      x = g.Conv(x, s.channels, 1, 1, kSame, kLinear, kBn, prefix + "_project");
      if (stride == 1 && in_channels == s.channels) x = g.Add(in, x, kLinear, prefix + "_add");
    }
  }
  x = g.Conv(x, 1280, 1, 1, kSame, kRelu6, kBn, "Conv_1");
  x = g.Mean(x, /*keep_dims=*/false, "global_average_pooling2d");
  x = g.Dense(x, classes, kLinear, "predictions");
  g.Softmax(x, "predictions_softmax");
}

namespace {

// keras.applications.VGG16/VGG19: 3x3 convs (with bias, ReLU) per block, 2x2 max pools,
// flatten, two 4096-unit dense layers and the classifier.
void BuildVgg(ZooGraph& g, int classes, const int (&convs)[5]) {
  static constexpr int kFilters[] = {64, 128, 256, 512, 512};
  int x = Last(g);
  for (int block = 0; block < 5; ++block) {
    for (int c = 0; c < convs[block]; ++c)
      x = g.Conv(x, kFilters[block], 3, 1, kSame, kRelu, kNoBn,
                 fmt::format("block{}_conv{}", block + 1, c + 1));
    x = g.MaxPool(x, 2, 2, kValid, fmt::format("block{}_pool", block + 1));
  }
  x = g.Reshape(x, "flatten");
  x = g.Dense(x, 4096, kRelu, "fc1");
  x = g.Dense(x, 4096, kRelu, "fc2");
  x = g.Dense(x, classes, kLinear, "predictions");
  g.Softmax(x, "predictions_softmax");
}

}  // namespace

void BuildVgg16(ZooGraph& g, int classes) { BuildVgg(g, classes, {2, 2, 3, 3, 3}); }
void BuildVgg19(ZooGraph& g, int classes) { BuildVgg(g, classes, {2, 2, 4, 4, 4}); }

void BuildSqueezeNet(ZooGraph& g, int classes) {
  // torchvision squeezenet1_0: fire modules (squeeze, expand 1x1, expand 3x3), with a max pool
  // before the listed fire modules.
  struct Fire {
    int squeeze, expand1, expand3;
    bool pool_before;
  };
  static constexpr Fire kFires[] = {
      {16, 64, 64, false},   {16, 64, 64, false},   {32, 128, 128, false}, {32, 128, 128, true},
      {48, 192, 192, false}, {48, 192, 192, false}, {64, 256, 256, false}, {64, 256, 256, true}};
  // PyTorch's ceil_mode 3x3/2 pools: VALID where that gives the same size, SAME where the
  // ceiling adds a last window (even sizes), which is what SAME adds.
  auto ceil_pool = [&](int x, const std::string& name) {
    return g.MaxPool(x, 3, 2, (g.node(x).height - 3) % 2 == 0 ? kValid : kSame, name);
  };
  int x = g.Conv(Last(g), 96, 7, 2, kValid, kRelu, kNoBn, "features.0");
  x = ceil_pool(x, "features.2");
  int id = 2;
  for (const Fire& f : kFires) {
    if (f.pool_before) x = ceil_pool(x, fmt::format("fire{}_pool", id));
    const std::string p = fmt::format("fire{}", id++);
    const int s = g.Conv(x, f.squeeze, 1, 1, kSame, kRelu, kNoBn, p + "/squeeze");
    const int e1 = g.Conv(s, f.expand1, 1, 1, kSame, kRelu, kNoBn, p + "/expand1x1");
    const int e3 = g.Conv(s, f.expand3, 3, 1, kSame, kRelu, kNoBn, p + "/expand3x3");
    x = g.Concat({e1, e3}, p + "/concat");
  }
  x = g.Conv(x, classes, 1, 1, kSame, kRelu, kNoBn, "classifier.1");
  x = g.Mean(x, /*keep_dims=*/false, "classifier.3");
  g.Softmax(x, "softmax");
}

}  // namespace segpipe::synth::internal
