// Inception v1 and v4 as TF-slim defines them (nets/inception_v1.py, nets/inception_v4.py;
// every conv followed by batch normalization and ReLU; no auxiliary logits). Slim's Inception
// v1 uses 3x3 convs where the paper's GoogLeNet has 5x5 ones; torchvision's googlenet, whose
// weights came from slim, does the same.
#include <fmt/format.h>

#include "segpipe/synth/internal/zoo_architectures.h"

namespace segpipe::synth::internal {
namespace {

constexpr Activation kRelu = Activation::kRelu;
constexpr ZooBn kBn = ZooBn::kFoldedIntoBiaslessConv;
constexpr Padding kSame = Padding::kSame;
constexpr Padding kValid = Padding::kValid;

int Last(const ZooGraph& g) { return static_cast<int>(g.nodes().size()) - 1; }

// slim.conv2d with batch norm and ReLU.
struct SlimConv {
  ZooGraph& g;
  std::string scope;
  int operator()(int x, int filters, int kh, int kw, const std::string& name, int stride = 1,
                 Padding padding = kSame) const {
    return g.Conv(x, filters, kh, kw, stride, padding, kRelu, kBn, scope + "/" + name);
  }
};

}  // namespace

void BuildInceptionV1(ZooGraph& g, int classes) {
  // Mixed module: branch 0 1x1; branch 1 1x1 -> 3x3; branch 2 1x1 -> 3x3; branch 3 3x3 max
  // pool -> 1x1. A max pool precedes the modules marked.
  struct Mixed {
    const char* name;
    int b0, b1_reduce, b1, b2_reduce, b2, b3;
    int pool_before;  // kernel of the stride-2 max pool before it; 0: none
  };
  static constexpr Mixed kMixed[] = {
      {"Mixed_3b", 64, 96, 128, 16, 32, 32, 3},     {"Mixed_3c", 128, 128, 192, 32, 96, 64, 0},
      {"Mixed_4b", 192, 96, 208, 16, 48, 64, 3},    {"Mixed_4c", 160, 112, 224, 24, 64, 64, 0},
      {"Mixed_4d", 128, 128, 256, 24, 64, 64, 0},   {"Mixed_4e", 112, 144, 288, 32, 64, 64, 0},
      {"Mixed_4f", 256, 160, 320, 32, 128, 128, 0}, {"Mixed_5b", 256, 160, 320, 32, 128, 128, 2},
      {"Mixed_5c", 384, 192, 384, 48, 128, 128, 0}};
  const SlimConv conv{g, "InceptionV1"};
  int x = conv(Last(g), 64, 7, 7, "Conv2d_1a_7x7", 2);
  x = g.MaxPool(x, 3, 2, kSame, "InceptionV1/MaxPool_2a_3x3");
  x = conv(x, 64, 1, 1, "Conv2d_2b_1x1");
  x = conv(x, 192, 3, 3, "Conv2d_2c_3x3");
  for (const Mixed& m : kMixed) {
    const std::string p = std::string(m.name);
    if (m.pool_before) x = g.MaxPool(x, m.pool_before, 2, kSame, "InceptionV1/MaxPool_before_" + p);
    const int b0 = conv(x, m.b0, 1, 1, p + "/Branch_0/Conv2d_0a_1x1");
    const int b1 = conv(conv(x, m.b1_reduce, 1, 1, p + "/Branch_1/Conv2d_0a_1x1"), m.b1, 3, 3,
                        p + "/Branch_1/Conv2d_0b_3x3");
    const int b2 = conv(conv(x, m.b2_reduce, 1, 1, p + "/Branch_2/Conv2d_0a_1x1"), m.b2, 3, 3,
                        p + "/Branch_2/Conv2d_0b_3x3");
    const int pool = g.MaxPool(x, 3, 1, kSame, "InceptionV1/" + p + "/Branch_3/MaxPool_0a_3x3");
    const int b3 = conv(pool, m.b3, 1, 1, p + "/Branch_3/Conv2d_0b_1x1");
    x = g.Concat({b0, b1, b2, b3}, "InceptionV1/" + p + "/concat");
  }
  // Slim pools the 7x7 map at 224 with a 7x7 VALID average pool; at other sizes the whole map.
  x = g.AvgPool(x, g.node(x).height, 1, kValid, "InceptionV1/Logits/AvgPool_0a_7x7");
  x = g.Conv(x, classes, 1, 1, 1, kValid, Activation::kNone, ZooBn::kNone,
             "InceptionV1/Logits/Conv2d_0c_1x1");
  x = g.Reshape(x, "InceptionV1/Logits/SpatialSqueeze");
  g.Softmax(x, "InceptionV1/Predictions");
}

namespace {

int InceptionA(ZooGraph& g, int x, const std::string& scope) {
  const SlimConv conv{g, scope};
  const int b0 = conv(x, 96, 1, 1, "Branch_0/Conv2d_0a_1x1");
  const int b1 =
      conv(conv(x, 64, 1, 1, "Branch_1/Conv2d_0a_1x1"), 96, 3, 3, "Branch_1/Conv2d_0b_3x3");
  int b2 = conv(x, 64, 1, 1, "Branch_2/Conv2d_0a_1x1");
  b2 = conv(b2, 96, 3, 3, "Branch_2/Conv2d_0b_3x3");
  b2 = conv(b2, 96, 3, 3, "Branch_2/Conv2d_0c_3x3");
  const int pool = g.AvgPool(x, 3, 1, kSame, scope + "/Branch_3/AvgPool_0a_3x3");
  const int b3 = conv(pool, 96, 1, 1, "Branch_3/Conv2d_0b_1x1");
  return g.Concat({b0, b1, b2, b3}, scope + "/concat");
}

int ReductionA(ZooGraph& g, int x, const std::string& scope) {
  const SlimConv conv{g, scope};
  const int b0 = conv(x, 384, 3, 3, "Branch_0/Conv2d_1a_3x3", 2, kValid);
  int b1 = conv(x, 192, 1, 1, "Branch_1/Conv2d_0a_1x1");
  b1 = conv(b1, 224, 3, 3, "Branch_1/Conv2d_0b_3x3");
  b1 = conv(b1, 256, 3, 3, "Branch_1/Conv2d_1a_3x3", 2, kValid);
  const int b2 = g.MaxPool(x, 3, 2, kValid, scope + "/Branch_2/MaxPool_1a_3x3");
  return g.Concat({b0, b1, b2}, scope + "/concat");
}

int InceptionB(ZooGraph& g, int x, const std::string& scope) {
  const SlimConv conv{g, scope};
  const int b0 = conv(x, 384, 1, 1, "Branch_0/Conv2d_0a_1x1");
  int b1 = conv(x, 192, 1, 1, "Branch_1/Conv2d_0a_1x1");
  b1 = conv(b1, 224, 1, 7, "Branch_1/Conv2d_0b_1x7");
  b1 = conv(b1, 256, 7, 1, "Branch_1/Conv2d_0c_7x1");
  int b2 = conv(x, 192, 1, 1, "Branch_2/Conv2d_0a_1x1");
  b2 = conv(b2, 192, 7, 1, "Branch_2/Conv2d_0b_7x1");
  b2 = conv(b2, 224, 1, 7, "Branch_2/Conv2d_0c_1x7");
  b2 = conv(b2, 224, 7, 1, "Branch_2/Conv2d_0d_7x1");
  b2 = conv(b2, 256, 1, 7, "Branch_2/Conv2d_0e_1x7");
  const int pool = g.AvgPool(x, 3, 1, kSame, scope + "/Branch_3/AvgPool_0a_3x3");
  const int b3 = conv(pool, 128, 1, 1, "Branch_3/Conv2d_0b_1x1");
  return g.Concat({b0, b1, b2, b3}, scope + "/concat");
}

int ReductionB(ZooGraph& g, int x, const std::string& scope) {
  const SlimConv conv{g, scope};
  int b0 = conv(x, 192, 1, 1, "Branch_0/Conv2d_0a_1x1");
  b0 = conv(b0, 192, 3, 3, "Branch_0/Conv2d_1a_3x3", 2, kValid);
  int b1 = conv(x, 256, 1, 1, "Branch_1/Conv2d_0a_1x1");
  b1 = conv(b1, 256, 1, 7, "Branch_1/Conv2d_0b_1x7");
  b1 = conv(b1, 320, 7, 1, "Branch_1/Conv2d_0c_7x1");
  b1 = conv(b1, 320, 3, 3, "Branch_1/Conv2d_1a_3x3", 2, kValid);
  const int b2 = g.MaxPool(x, 3, 2, kValid, scope + "/Branch_2/MaxPool_1a_3x3");
  return g.Concat({b0, b1, b2}, scope + "/concat");
}

int InceptionC(ZooGraph& g, int x, const std::string& scope) {
  const SlimConv conv{g, scope};
  const int b0 = conv(x, 256, 1, 1, "Branch_0/Conv2d_0a_1x1");
  const int b1 = conv(x, 384, 1, 1, "Branch_1/Conv2d_0a_1x1");
  const int b1_cat = g.Concat({conv(b1, 256, 1, 3, "Branch_1/Conv2d_0b_1x3"),
                               conv(b1, 256, 3, 1, "Branch_1/Conv2d_0c_3x1")},
                              scope + "/Branch_1/concat");
  int b2 = conv(x, 384, 1, 1, "Branch_2/Conv2d_0a_1x1");
  b2 = conv(b2, 448, 3, 1, "Branch_2/Conv2d_0b_3x1");
  b2 = conv(b2, 512, 1, 3, "Branch_2/Conv2d_0c_1x3");
  const int b2_cat = g.Concat({conv(b2, 256, 1, 3, "Branch_2/Conv2d_0d_1x3"),
                               conv(b2, 256, 3, 1, "Branch_2/Conv2d_0e_3x1")},
                              scope + "/Branch_2/concat");
  const int pool = g.AvgPool(x, 3, 1, kSame, scope + "/Branch_3/AvgPool_0a_3x3");
  const int b3 = conv(pool, 256, 1, 1, "Branch_3/Conv2d_0b_1x1");
  return g.Concat({b0, b1_cat, b2_cat, b3}, scope + "/concat");
}

}  // namespace

void BuildInceptionV4(ZooGraph& g, int classes) {
  const SlimConv conv{g, "InceptionV4"};
  int x = conv(Last(g), 32, 3, 3, "Conv2d_1a_3x3", 2, kValid);
  x = conv(x, 32, 3, 3, "Conv2d_2a_3x3", 1, kValid);
  x = conv(x, 64, 3, 3, "Conv2d_2b_3x3");
  {
    const int b0 = g.MaxPool(x, 3, 2, kValid, "InceptionV4/Mixed_3a/Branch_0/MaxPool_0a_3x3");
    const int b1 = conv(x, 96, 3, 3, "Mixed_3a/Branch_1/Conv2d_0a_3x3", 2, kValid);
    x = g.Concat({b0, b1}, "InceptionV4/Mixed_3a/concat");
  }
  {
    int b0 = conv(x, 64, 1, 1, "Mixed_4a/Branch_0/Conv2d_0a_1x1");
    b0 = conv(b0, 96, 3, 3, "Mixed_4a/Branch_0/Conv2d_1a_3x3", 1, kValid);
    int b1 = conv(x, 64, 1, 1, "Mixed_4a/Branch_1/Conv2d_0a_1x1");
    b1 = conv(b1, 64, 1, 7, "Mixed_4a/Branch_1/Conv2d_0b_1x7");
    b1 = conv(b1, 64, 7, 1, "Mixed_4a/Branch_1/Conv2d_0c_7x1");
    b1 = conv(b1, 96, 3, 3, "Mixed_4a/Branch_1/Conv2d_1a_3x3", 1, kValid);
    x = g.Concat({b0, b1}, "InceptionV4/Mixed_4a/concat");
  }
  {
    const int b0 = conv(x, 192, 3, 3, "Mixed_5a/Branch_0/Conv2d_1a_3x3", 2, kValid);
    const int b1 = g.MaxPool(x, 3, 2, kValid, "InceptionV4/Mixed_5a/Branch_1/MaxPool_1a_3x3");
    x = g.Concat({b0, b1}, "InceptionV4/Mixed_5a/concat");
  }
  for (char c : {'b', 'c', 'd', 'e'}) x = InceptionA(g, x, fmt::format("InceptionV4/Mixed_5{}", c));
  x = ReductionA(g, x, "InceptionV4/Mixed_6a");
  for (char c : {'b', 'c', 'd', 'e', 'f', 'g', 'h'})
    x = InceptionB(g, x, fmt::format("InceptionV4/Mixed_6{}", c));
  x = ReductionB(g, x, "InceptionV4/Mixed_7a");
  for (char c : {'b', 'c', 'd'}) x = InceptionC(g, x, fmt::format("InceptionV4/Mixed_7{}", c));
  // Slim: an average pool over the whole map, flatten, dropout (inactive), logits.
  x = g.Mean(x, /*keep_dims=*/false, "InceptionV4/Logits/AvgPool_1a");
  x = g.Dense(x, classes, Activation::kNone, "InceptionV4/Logits/Logits");
  g.Softmax(x, "InceptionV4/Logits/Predictions");
}

}  // namespace segpipe::synth::internal
