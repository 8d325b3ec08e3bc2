// Internal to synth/: the float graph a zoo architecture is written in, before quantization.
//
// A ZooGraph is a DAG of nodes in topological order (each node reads earlier nodes), built with
// the methods below, which infer shapes as TFLite would and draw random weights from a seed.
// Batch normalization is never a node of its own when it follows a convolution: like the TFLite
// converter, the builder folds it into the convolution's weights and bias and only records, in
// `bn`, that it was there (parameter accounting; see ZooParameters in zoo_models.h). A batch
// normalization that cannot be folded (it follows an addition or a concatenation, as in ResNet
// v2 and DenseNet) becomes kBatchNorm: a per-channel multiply and add.
//
// ZooGraph is a plain value; Forward and EstimateRanges are pure.
#ifndef SEGPIPE_SYNTH_INTERNAL_ZOO_GRAPH_H_
#define SEGPIPE_SYNTH_INTERNAL_ZOO_GRAPH_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "segpipe/core/status.h"
#include "segpipe/model/model.h"
#include "segpipe/synth/internal/float_net.h"

namespace segpipe::synth::internal {

enum class ZooOp : uint8_t {
  kInput,
  kConv,
  kDepthwise,
  kDense,
  kMaxPool,
  kAvgPool,
  kMean,    // global average over height and width
  kConcat,  // along channels
  kAdd,
  kPad,        // zeros
  kBatchNorm,  // unfolded: y = x * scale[c] + offset[c]
  kReshape,    // to {C} (flatten or squeeze)
  kSoftmax,
};

// Where the published architecture had a batch normalization (parameter accounting only).
enum class ZooBn : uint8_t {
  kNone,
  kFoldedIntoBiaslessConv,  // conv without bias + BN: the folded bias is new
  kFoldedIntoBiasedConv,    // conv with its own bias + BN (Keras ResNet v1)
  kNoBias,                  // neither bias nor BN (DenseNet): the int8 conv gets a zero bias
};

struct ZooNode {
  ZooOp op = ZooOp::kInput;
  std::string name;
  std::vector<int> inputs;  // node indices
  // Output {height, width, channels}; flat outputs (dense, reshape, softmax, mean without
  // keep_dims) have flat = true and height = width = 1.
  int height = 1, width = 1, channels = 1;
  bool flat = false;
  // Conv, depthwise, pools.
  int kernel_h = 1, kernel_w = 1, stride = 1;
  Padding padding = Padding::kSame;
  int pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;  // kPad
  Activation activation = Activation::kNone;  // conv, depthwise, dense, add, batch norm
  ZooBn bn = ZooBn::kNone;
  // conv [out][kh][kw][in]; depthwise [kh][kw][c]; dense [out][in]; batch norm: scale [c].
  std::vector<float> weights;
  std::vector<float> bias;  // [out]; batch norm: offset [c]

  int64_t Elements() const { return int64_t{height} * width * channels; }
};

class ZooGraph {
 public:
  explicit ZooGraph(uint64_t seed) : random_(seed) {}

  int Input(int height, int width, int channels);
  int Conv(int x, int filters, int kernel_h, int kernel_w, int stride, Padding padding,
           Activation activation, ZooBn bn, std::string name);
  int Conv(int x, int filters, int kernel, int stride, Padding padding, Activation activation,
           ZooBn bn, std::string name) {
    return Conv(x, filters, kernel, kernel, stride, padding, activation, bn, std::move(name));
  }
  int Depthwise(int x, int kernel, int stride, Padding padding, Activation activation, ZooBn bn,
                std::string name);
  int Dense(int x, int units, Activation activation, std::string name);
  int MaxPool(int x, int kernel, int stride, Padding padding, std::string name);
  int AvgPool(int x, int kernel, int stride, Padding padding, std::string name);
  int Mean(int x, bool keep_dims, std::string name);
  int Concat(std::vector<int> xs, std::string name);
  int Add(int a, int b, Activation activation, std::string name);
  int Pad(int x, int top, int bottom, int left, int right, std::string name);
  int BatchNorm(int x, Activation activation, std::string name);
  int Reshape(int x, std::string name);
  int Softmax(int x, std::string name);

  const std::vector<ZooNode>& nodes() const { return nodes_; }
  const ZooNode& node(int i) const { return nodes_[static_cast<size_t>(i)]; }
  // The first node whose output shape is empty (input too small), or OK.
  Status status() const { return status_; }

 private:
  int Push(ZooNode node);
  void Spatial(ZooNode& node, const ZooNode& in);
  std::vector<float> Uniform(size_t n, float limit);

  std::vector<ZooNode> nodes_;
  SeededRandom random_;
  Status status_;
};

// The range of every node's output (`out`) and, for kBatchNorm, of the product before the
// offset is added (`product`).
struct ZooRanges {
  std::vector<Range> out;
  std::vector<Range> product;
};

// Runs the graph on one input ({height, width, channels} of the kInput node, HWC order) and
// returns the last node's output. When `ranges` is not null (sized to the graph), widens them.
std::vector<float> ForwardZoo(const ZooGraph& graph, std::span<const float> input,
                              ZooRanges* ranges = nullptr);

// Ranges without data, propagated from the weight statistics (inputs uniform in [0, 1)).
ZooRanges EstimateZooRanges(const ZooGraph& graph);

// The int8 model of the graph. Tensors that TFLite's int8 kernels require to share
// quantization (pool, pad and reshape inputs and outputs; every concatenation input and its
// output) are given the union of their ranges.
Model QuantizeZoo(const ZooGraph& graph, const ZooRanges& ranges, std::string description);

}  // namespace segpipe::synth::internal

#endif  // SEGPIPE_SYNTH_INTERNAL_ZOO_GRAPH_H_
