// QuantizeZoo: a zoo float graph as an int8 Model, quantized the way synth quantizes the
// paper's models (see paper_models.h): per-channel symmetric conv and depthwise weights,
// per-tensor symmetric dense weights, int32 biases, asymmetric int8 activations.
#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "segpipe/synth/internal/int8_builder.h"
#include "segpipe/synth/internal/zoo_graph.h"

namespace segpipe::synth::internal {
namespace {

// Op versions the TFLite converter writes for these int8 ops.
constexpr int32_t kConvVersion = 3;
constexpr int32_t kDepthwiseVersion = 3;
constexpr int32_t kFullyConnectedVersion = 4;
constexpr int32_t kInt8OpVersion = 2;  // pools, mean, concatenation, add, mul, pad, softmax

// Union-find over nodes: a group shares one quantization.
class Groups {
 public:
  explicit Groups(size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), 0); }
  size_t Find(size_t i) {
    while (parent_[i] != i) i = parent_[i] = parent_[parent_[i]];
    return i;
  }
  void Join(size_t a, size_t b) { parent_[Find(a)] = Find(b); }

 private:
  std::vector<size_t> parent_;
};

std::vector<int32_t> ShapeOf(const ZooNode& n, bool keep_dims_1x1 = false) {
  if (n.flat && !keep_dims_1x1) return {1, n.channels};
  return {1, n.height, n.width, n.channels};
}

}  // namespace

Model QuantizeZoo(const ZooGraph& graph, const ZooRanges& ranges, std::string description) {
  const std::vector<ZooNode>& nodes = graph.nodes();
  // TFLite's int8 pooling, pad, reshape and concatenation kernels move values without
  // rescaling, so the converter gives their inputs and outputs one quantization.
  Groups groups(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    switch (nodes[i].op) {
      case ZooOp::kMaxPool:
      case ZooOp::kAvgPool:
      case ZooOp::kPad:
      case ZooOp::kReshape:
      case ZooOp::kConcat:
        for (int x : nodes[i].inputs) groups.Join(static_cast<size_t>(x), i);
        break;
      default:
        break;
    }
  }
  std::vector<Range> group_range(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    Range& g = group_range[groups.Find(i)];
    g.min = std::min(g.min, ranges.out[i].min);
    g.max = std::max(g.max, ranges.out[i].max);
  }

  Int8ModelBuilder b(std::move(description));
  std::vector<int32_t> tensor(nodes.size(), -1);
  auto in = [&](const ZooNode& n, size_t k = 0) {
    return tensor[static_cast<size_t>(n.inputs[k])];
  };
  auto in_scale = [&](const ZooNode& n) { return b.model().tensor(in(n)).quant.scale[0]; };
  for (size_t i = 0; i < nodes.size(); ++i) {
    const ZooNode& n = nodes[i];
    Quantization q = AsymmetricInt8(group_range[groups.Find(i)]);
    if (n.op == ZooOp::kSoftmax) {
      // TFLite's int8 softmax output: scale 1/256, zero point -128.
      q.scale = {1.0f / 256.0f};
      q.zero_point = {-128};
    }
    const bool keep_dims = n.op == ZooOp::kMean && !n.flat;
    const int32_t y = b.Activation(n.op == ZooOp::kInput ? "input" : n.name + "/output",
                                   ShapeOf(n, keep_dims), q);
    tensor[i] = y;
    OpOptions o;
    o.activation = n.activation;
    o.padding = n.padding;
    o.stride_h = o.stride_w = n.stride;
    switch (n.op) {
      case ZooOp::kInput:
        b.model().inputs = {y};
        break;
      case ZooOp::kConv: {
        const int ic = graph.node(n.inputs[0]).channels;
        const size_t inner = static_cast<size_t>(n.kernel_h) * n.kernel_w * ic;
        const std::vector<float> scales = SymmetricScales(n.weights, n.channels, inner);
        const int32_t w = b.Weights(n.name + "/kernel", {n.channels, n.kernel_h, n.kernel_w, ic},
                                    n.weights, scales, inner, 0);
        const int32_t bias = b.Bias(n.name + "/bias", n.bias, in_scale(n), scales);
        b.AddOp(OpType::kConv2D, kConvVersion, {in(n), w, bias}, y, o);
        break;
      }
      case ZooOp::kDepthwise: {
        const std::vector<float> scales = SymmetricScales(n.weights, n.channels, 1);
        const int32_t w =
            b.Weights(n.name + "/depthwise_kernel", {1, n.kernel_h, n.kernel_w, n.channels},
                      n.weights, scales, 1, 3);
        const int32_t bias = b.Bias(n.name + "/bias", n.bias, in_scale(n), scales);
        o.depth_multiplier = 1;
        b.AddOp(OpType::kDepthwiseConv2D, kDepthwiseVersion, {in(n), w, bias}, y, o);
        break;
      }
      case ZooOp::kDense: {
        const int fan_in = static_cast<int>(n.weights.size() / n.channels);
        const std::vector<float> scales = SymmetricScales(n.weights, 1, n.weights.size());
        const int32_t w =
            b.Weights(n.name + "/kernel", {n.channels, fan_in}, n.weights, scales, 1, 0);
        const int32_t bias = b.Bias(n.name + "/bias", n.bias, in_scale(n), scales);
        b.AddOp(OpType::kFullyConnected, kFullyConnectedVersion, {in(n), w, bias}, y, o);
        break;
      }
      case ZooOp::kMaxPool:
      case ZooOp::kAvgPool:
        o.filter_h = n.kernel_h;
        o.filter_w = n.kernel_w;
        b.AddOp(n.op == ZooOp::kMaxPool ? OpType::kMaxPool2D : OpType::kAveragePool2D,
                kInt8OpVersion, {in(n)}, y, o);
        break;
      case ZooOp::kMean: {
        const int32_t axes = b.Int32Constant(n.name + "/axes", {2}, {1, 2});
        OpOptions mean;
        mean.keep_dims = keep_dims;
        b.AddOp(OpType::kMean, kInt8OpVersion, {in(n), axes}, y, mean);
        break;
      }
      case ZooOp::kConcat: {
        std::vector<int32_t> inputs;
        for (size_t k = 0; k < n.inputs.size(); ++k) inputs.push_back(in(n, k));
        OpOptions concat;
        concat.axis = 3;
        b.AddOp(OpType::kConcatenation, kInt8OpVersion, std::move(inputs), y, concat);
        break;
      }
      case ZooOp::kAdd: {
        OpOptions add;
        add.activation = n.activation;
        b.AddOp(OpType::kAdd, kInt8OpVersion, {in(n, 0), in(n, 1)}, y, add);
        break;
      }
      case ZooOp::kPad: {
        const int32_t paddings =
            b.Int32Constant(n.name + "/paddings", {4, 2},
                            {0, 0, n.pad_top, n.pad_bottom, n.pad_left, n.pad_right, 0, 0});
        b.AddOp(OpType::kPad, kInt8OpVersion, {in(n), paddings}, y);
        break;
      }
      case ZooOp::kBatchNorm: {
        // x * scale (per-tensor symmetric int8 constant), then + offset (asymmetric int8
        // constant) with the activation fused into the ADD.
        const int32_t scale = b.Weights(n.name + "/scale", {n.channels}, n.weights,
                                        SymmetricScales(n.weights, 1, n.weights.size()), 1, 0);
        const int32_t product =
            b.Activation(n.name + "/mul", ShapeOf(n), AsymmetricInt8(ranges.product[i]));
        b.AddOp(OpType::kMul, kInt8OpVersion, {in(n), scale}, product);
        const auto [lo, hi] = std::minmax_element(n.bias.begin(), n.bias.end());
        const int32_t offset =
            b.Activation(n.name + "/offset", {n.channels}, AsymmetricInt8({*lo, *hi}));
        Tensor& t = b.model().tensor(offset);
        t.is_constant = true;
        t.data.resize(n.bias.size());
        for (size_t k = 0; k < n.bias.size(); ++k)
          t.data[k] = static_cast<uint8_t>(
              QuantizeValue(n.bias[k], t.quant.scale[0], t.quant.zero_point[0]));
        OpOptions add;
        add.activation = n.activation;
        b.AddOp(OpType::kAdd, kInt8OpVersion, {product, offset}, y, add);
        break;
      }
      case ZooOp::kReshape: {
        const int32_t shape = b.Int32Constant(n.name + "/shape", {2}, {1, n.channels});
        OpOptions reshape;
        reshape.new_shape = {1, n.channels};
        b.AddOp(OpType::kReshape, 1, {in(n), shape}, y, reshape);
        break;
      }
      case ZooOp::kSoftmax: {
        OpOptions softmax;
        softmax.beta = 1.0f;
        b.AddOp(OpType::kSoftmax, kInt8OpVersion, {in(n)}, y, softmax);
        break;
      }
    }
  }
  b.model().outputs = {tensor.back()};
  return std::move(b.model());
}

}  // namespace segpipe::synth::internal
