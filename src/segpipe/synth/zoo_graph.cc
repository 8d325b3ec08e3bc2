// Zoo float graphs: building with TFLite's shape rules, the float forward pass used for
// calibration, and range estimation without data.
#include "segpipe/synth/internal/zoo_graph.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace segpipe::synth::internal {
namespace {

// TFLite's output size and leading padding along one dimension.
int OutputSize(int in, int kernel, int stride, Padding padding) {
  if (padding == Padding::kSame) return (in + stride - 1) / stride;
  return in < kernel ? 0 : (in - kernel) / stride + 1;
}

int LeadingPad(int in, int out, int kernel, int stride, Padding padding) {
  if (padding == Padding::kValid) return 0;
  return std::max((out - 1) * stride + kernel - in, 0) / 2;
}

float Activate(float v, Activation a) {
  if (a == Activation::kRelu) return std::max(v, 0.0f);
  if (a == Activation::kRelu6) return std::clamp(v, 0.0f, 6.0f);
  return v;
}

}  // namespace

std::vector<float> ZooGraph::Uniform(size_t n, float limit) {
  std::vector<float> v(n);
  for (float& x : v) x = random_.Uniform(-limit, limit);
  return v;
}

int ZooGraph::Push(ZooNode node) {
  if (status_.ok() && node.Elements() <= 0)
    status_ = InvalidArgumentError(fmt::format(
        "the input is too small for this architecture: {} would have an empty output", node.name));
  nodes_.push_back(std::move(node));
  return static_cast<int>(nodes_.size() - 1);
}

void ZooGraph::Spatial(ZooNode& node, const ZooNode& in) {
  node.height = OutputSize(in.height, node.kernel_h, node.stride, node.padding);
  node.width = OutputSize(in.width, node.kernel_w, node.stride, node.padding);
}

int ZooGraph::Input(int height, int width, int channels) {
  ZooNode n;
  n.op = ZooOp::kInput;
  n.name = "input";
  n.height = height;
  n.width = width;
  n.channels = channels;
  return Push(std::move(n));
}

// Random weights: He-uniform (variance 2 / fan_in) before a ReLU, 1 / fan_in for linear
// outputs, so that activations keep their scale through deep stacks as trained networks' do
// (their batch normalizations see to it). Small non-zero biases keep bias quantization tested.
int ZooGraph::Conv(int x, int filters, int kernel_h, int kernel_w, int stride, Padding padding,
                   Activation activation, ZooBn bn, std::string name) {
  const ZooNode& in = node(x);
  ZooNode n;
  n.op = ZooOp::kConv;
  n.name = std::move(name);
  n.inputs = {x};
  n.kernel_h = kernel_h;
  n.kernel_w = kernel_w;
  n.stride = stride;
  n.padding = padding;
  n.activation = activation;
  n.bn = bn;
  n.channels = filters;
  Spatial(n, in);
  const int fan_in = kernel_h * kernel_w * in.channels;
  const float gain = activation == Activation::kNone ? 3.0f : 6.0f;
  n.weights = Uniform(static_cast<size_t>(filters) * fan_in, std::sqrt(gain / fan_in));
  // TFLite's int8 convs need a bias tensor: a conv without one gets zeros.
  n.bias = bn == ZooBn::kNoBias ? std::vector<float>(static_cast<size_t>(filters), 0.0f)
                                : Uniform(static_cast<size_t>(filters), 0.1f);
  return Push(std::move(n));
}

int ZooGraph::Depthwise(int x, int kernel, int stride, Padding padding, Activation activation,
                        ZooBn bn, std::string name) {
  const ZooNode& in = node(x);
  ZooNode n;
  n.op = ZooOp::kDepthwise;
  n.name = std::move(name);
  n.inputs = {x};
  n.kernel_h = n.kernel_w = kernel;
  n.stride = stride;
  n.padding = padding;
  n.activation = activation;
  n.bn = bn;
  n.channels = in.channels;
  Spatial(n, in);
  const int fan_in = kernel * kernel;
  const float gain = activation == Activation::kNone ? 3.0f : 6.0f;
  n.weights = Uniform(static_cast<size_t>(fan_in) * in.channels, std::sqrt(gain / fan_in));
  n.bias = Uniform(static_cast<size_t>(in.channels), 0.1f);
  return Push(std::move(n));
}

int ZooGraph::Dense(int x, int units, Activation activation, std::string name) {
  const ZooNode& in = node(x);
  ZooNode n;
  n.op = ZooOp::kDense;
  n.name = std::move(name);
  n.inputs = {x};
  n.activation = activation;
  n.channels = units;
  n.flat = true;
  const int64_t fan_in = in.Elements();
  const float gain = activation == Activation::kNone ? 3.0f : 6.0f;
  n.weights =
      Uniform(static_cast<size_t>(units * fan_in), std::sqrt(gain / static_cast<float>(fan_in)));
  n.bias = Uniform(static_cast<size_t>(units), 0.1f);
  return Push(std::move(n));
}

int ZooGraph::MaxPool(int x, int kernel, int stride, Padding padding, std::string name) {
  ZooNode n;
  n.op = ZooOp::kMaxPool;
  n.name = std::move(name);
  n.inputs = {x};
  n.kernel_h = n.kernel_w = kernel;
  n.stride = stride;
  n.padding = padding;
  n.channels = node(x).channels;
  Spatial(n, node(x));
  return Push(std::move(n));
}

int ZooGraph::AvgPool(int x, int kernel, int stride, Padding padding, std::string name) {
  const int i = MaxPool(x, kernel, stride, padding, std::move(name));
  nodes_[static_cast<size_t>(i)].op = ZooOp::kAvgPool;
  return i;
}

int ZooGraph::Mean(int x, bool keep_dims, std::string name) {
  ZooNode n;
  n.op = ZooOp::kMean;
  n.name = std::move(name);
  n.inputs = {x};
  n.channels = node(x).channels;
  n.flat = !keep_dims;
  return Push(std::move(n));
}

int ZooGraph::Concat(std::vector<int> xs, std::string name) {
  ZooNode n;
  n.op = ZooOp::kConcat;
  n.name = std::move(name);
  n.height = node(xs[0]).height;
  n.width = node(xs[0]).width;
  n.channels = 0;
  for (int x : xs) {
    if ((node(x).height != n.height || node(x).width != n.width) && status_.ok())
      status_ = InvalidArgumentError(fmt::format(
          "the input size gives {} inputs of different sizes; try another --input-size", n.name));
    n.channels += node(x).channels;
  }
  n.inputs = std::move(xs);
  return Push(std::move(n));
}

int ZooGraph::Add(int a, int b, Activation activation, std::string name) {
  ZooNode n = node(a);
  n.op = ZooOp::kAdd;
  n.name = std::move(name);
  n.inputs = {a, b};
  n.activation = activation;
  n.bn = ZooBn::kNone;
  n.weights.clear();
  n.bias.clear();
  return Push(std::move(n));
}

int ZooGraph::Pad(int x, int top, int bottom, int left, int right, std::string name) {
  const ZooNode& in = node(x);
  ZooNode n;
  n.op = ZooOp::kPad;
  n.name = std::move(name);
  n.inputs = {x};
  n.pad_top = top;
  n.pad_bottom = bottom;
  n.pad_left = left;
  n.pad_right = right;
  n.height = in.height + top + bottom;
  n.width = in.width + left + right;
  n.channels = in.channels;
  return Push(std::move(n));
}

// A trained network's folded batch normalization: scale gamma / sqrt(var + eps) near 1,
// offset beta - mean * scale near 0.
int ZooGraph::BatchNorm(int x, Activation activation, std::string name) {
  const ZooNode& in = node(x);
  ZooNode n;
  n.op = ZooOp::kBatchNorm;
  n.name = std::move(name);
  n.inputs = {x};
  n.height = in.height;
  n.width = in.width;
  n.channels = in.channels;
  n.activation = activation;
  n.weights.resize(static_cast<size_t>(in.channels));
  for (float& s : n.weights) s = random_.Uniform(0.5f, 1.5f);
  n.bias = Uniform(static_cast<size_t>(in.channels), 0.1f);
  return Push(std::move(n));
}

int ZooGraph::Reshape(int x, std::string name) {
  ZooNode n;
  n.op = ZooOp::kReshape;
  n.name = std::move(name);
  n.inputs = {x};
  n.channels = static_cast<int>(node(x).Elements());
  n.flat = true;
  return Push(std::move(n));
}

int ZooGraph::Softmax(int x, std::string name) {
  ZooNode n = node(x);
  n.op = ZooOp::kSoftmax;
  n.name = std::move(name);
  n.inputs = {x};
  n.activation = Activation::kNone;
  n.weights.clear();
  n.bias.clear();
  return Push(std::move(n));
}

namespace {

using Buffer = std::vector<float>;

Buffer ConvForward(const ZooNode& n, const ZooNode& in, const Buffer& x) {
  const int ic = in.channels, oc = n.channels, kh = n.kernel_h, kw = n.kernel_w;
  const int pad_h = LeadingPad(in.height, n.height, kh, n.stride, n.padding);
  const int pad_w = LeadingPad(in.width, n.width, kw, n.stride, n.padding);
  // [kh][kw][ic][oc] so that the inner loop runs over contiguous output channels.
  const size_t taps = static_cast<size_t>(kh) * kw * ic;
  Buffer wt(taps * oc);
  for (int o = 0; o < oc; ++o)
    for (size_t r = 0; r < taps; ++r) wt[r * oc + o] = n.weights[o * taps + r];
  Buffer y(static_cast<size_t>(n.Elements()));
  for (int h = 0; h < n.height; ++h) {
    for (int w = 0; w < n.width; ++w) {
      float* acc = &y[(static_cast<size_t>(h) * n.width + w) * oc];
      std::copy(n.bias.begin(), n.bias.end(), acc);
      for (int r = 0; r < kh; ++r) {
        const int ih = h * n.stride - pad_h + r;
        if (ih < 0 || ih >= in.height) continue;
        for (int s = 0; s < kw; ++s) {
          const int iw = w * n.stride - pad_w + s;
          if (iw < 0 || iw >= in.width) continue;
          const float* px = &x[(static_cast<size_t>(ih) * in.width + iw) * ic];
          const float* wrow = &wt[(static_cast<size_t>(r) * kw + s) * ic * oc];
          for (int c = 0; c < ic; ++c) {
            const float v = px[c];
            if (v == 0.0f) continue;  // after a ReLU about half are
            const float* wc = wrow + static_cast<size_t>(c) * oc;
            for (int o = 0; o < oc; ++o) acc[o] += v * wc[o];
          }
        }
      }
      for (int o = 0; o < oc; ++o) acc[o] = Activate(acc[o], n.activation);
    }
  }
  return y;
}

Buffer DepthwiseForward(const ZooNode& n, const ZooNode& in, const Buffer& x) {
  const int c = n.channels, k = n.kernel_h;
  const int pad_h = LeadingPad(in.height, n.height, k, n.stride, n.padding);
  const int pad_w = LeadingPad(in.width, n.width, k, n.stride, n.padding);
  Buffer y(static_cast<size_t>(n.Elements()));
  for (int h = 0; h < n.height; ++h)
    for (int w = 0; w < n.width; ++w) {
      float* acc = &y[(static_cast<size_t>(h) * n.width + w) * c];
      std::copy(n.bias.begin(), n.bias.end(), acc);
      for (int r = 0; r < k; ++r) {
        const int ih = h * n.stride - pad_h + r;
        if (ih < 0 || ih >= in.height) continue;
        for (int s = 0; s < k; ++s) {
          const int iw = w * n.stride - pad_w + s;
          if (iw < 0 || iw >= in.width) continue;
          const float* px = &x[(static_cast<size_t>(ih) * in.width + iw) * c];
          const float* wk = &n.weights[(static_cast<size_t>(r) * k + s) * c];
          for (int ch = 0; ch < c; ++ch) acc[ch] += px[ch] * wk[ch];
        }
      }
      for (int ch = 0; ch < c; ++ch) acc[ch] = Activate(acc[ch], n.activation);
    }
  return y;
}

Buffer DenseForward(const ZooNode& n, const Buffer& x) {
  Buffer y(static_cast<size_t>(n.channels));
  const size_t in = x.size();
  for (int o = 0; o < n.channels; ++o) {
    const float* w = &n.weights[static_cast<size_t>(o) * in];
    float acc = 0;
    for (size_t i = 0; i < in; ++i) acc += w[i] * x[i];
    y[o] = Activate(acc + n.bias[o], n.activation);
  }
  return y;
}

// TFLite's pools: SAME padding leaves padded positions out (of the max and of the average).
Buffer PoolForward(const ZooNode& n, const ZooNode& in, const Buffer& x) {
  const int c = n.channels, k = n.kernel_h;
  const int pad_h = LeadingPad(in.height, n.height, k, n.stride, n.padding);
  const int pad_w = LeadingPad(in.width, n.width, k, n.stride, n.padding);
  const bool max = n.op == ZooOp::kMaxPool;
  Buffer y(static_cast<size_t>(n.Elements()));
  std::vector<float> acc(static_cast<size_t>(c));
  for (int h = 0; h < n.height; ++h)
    for (int w = 0; w < n.width; ++w) {
      std::fill(acc.begin(), acc.end(), max ? -INFINITY : 0.0f);
      int count = 0;
      for (int r = 0; r < k; ++r) {
        const int ih = h * n.stride - pad_h + r;
        if (ih < 0 || ih >= in.height) continue;
        for (int s = 0; s < k; ++s) {
          const int iw = w * n.stride - pad_w + s;
          if (iw < 0 || iw >= in.width) continue;
          ++count;
          const float* px = &x[(static_cast<size_t>(ih) * in.width + iw) * c];
          for (int ch = 0; ch < c; ++ch)
            acc[ch] = max ? std::max(acc[ch], px[ch]) : acc[ch] + px[ch];
        }
      }
      float* out = &y[(static_cast<size_t>(h) * n.width + w) * c];
      for (int ch = 0; ch < c; ++ch) out[ch] = max ? acc[ch] : acc[ch] / static_cast<float>(count);
    }
  return y;
}

Buffer MeanForward(const ZooNode& in, const Buffer& x) {
  const int c = in.channels;
  std::vector<double> acc(static_cast<size_t>(c), 0.0);
  for (size_t i = 0; i < x.size(); ++i) acc[i % c] += x[i];
  Buffer y(static_cast<size_t>(c));
  const double count = static_cast<double>(in.height) * in.width;
  for (int ch = 0; ch < c; ++ch) y[ch] = static_cast<float>(acc[ch] / count);
  return y;
}

void Widen(Range& range, std::span<const float> values) {
  if (values.empty()) return;
  auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  range.min = std::min(range.min, *lo);
  range.max = std::max(range.max, *hi);
}

}  // namespace

std::vector<float> ForwardZoo(const ZooGraph& graph, std::span<const float> input,
                              ZooRanges* ranges) {
  const std::vector<ZooNode>& nodes = graph.nodes();
  // Free each output after its last reader: deep nets at full size would otherwise hold
  // gigabytes of activations.
  std::vector<size_t> last_use(nodes.size(), nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i)
    for (int x : nodes[i].inputs) last_use[static_cast<size_t>(x)] = i;
  std::vector<Buffer> out(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    const ZooNode& n = nodes[i];
    const Buffer* x = n.inputs.empty() ? nullptr : &out[static_cast<size_t>(n.inputs[0])];
    const ZooNode* in = n.inputs.empty() ? nullptr : &graph.node(n.inputs[0]);
    Buffer y;
    switch (n.op) {
      case ZooOp::kInput:
        y.assign(input.begin(), input.end());
        break;
      case ZooOp::kConv:
        y = ConvForward(n, *in, *x);
        break;
      case ZooOp::kDepthwise:
        y = DepthwiseForward(n, *in, *x);
        break;
      case ZooOp::kDense:
        y = DenseForward(n, *x);
        break;
      case ZooOp::kMaxPool:
      case ZooOp::kAvgPool:
        y = PoolForward(n, *in, *x);
        break;
      case ZooOp::kMean:
        y = MeanForward(*in, *x);
        break;
      case ZooOp::kConcat: {
        y.resize(static_cast<size_t>(n.Elements()));
        const size_t pixels = static_cast<size_t>(n.height) * n.width;
        size_t offset = 0;
        for (int xi : n.inputs) {
          const size_t c = static_cast<size_t>(graph.node(xi).channels);
          const Buffer& src = out[static_cast<size_t>(xi)];
          for (size_t p = 0; p < pixels; ++p)
            std::copy_n(&src[p * c], c, &y[p * n.channels + offset]);
          offset += c;
        }
        break;
      }
      case ZooOp::kAdd: {
        const Buffer& b = out[static_cast<size_t>(n.inputs[1])];
        y = *x;
        for (size_t k = 0; k < y.size(); ++k) y[k] = Activate(y[k] + b[k], n.activation);
        break;
      }
      case ZooOp::kPad: {
        y.assign(static_cast<size_t>(n.Elements()), 0.0f);
        const size_t c = static_cast<size_t>(n.channels);
        for (int h = 0; h < in->height; ++h)
          for (int w = 0; w < in->width; ++w)
            std::copy_n(&(*x)[(static_cast<size_t>(h) * in->width + w) * c], c,
                        &y[(static_cast<size_t>(h + n.pad_top) * n.width + w + n.pad_left) * c]);
        break;
      }
      case ZooOp::kBatchNorm: {
        y = *x;
        const size_t c = static_cast<size_t>(n.channels);
        for (size_t k = 0; k < y.size(); ++k) y[k] *= n.weights[k % c];
        if (ranges) Widen(ranges->product[i], y);
        for (size_t k = 0; k < y.size(); ++k) y[k] = Activate(y[k] + n.bias[k % c], n.activation);
        break;
      }
      case ZooOp::kReshape:
        y = *x;
        break;
      case ZooOp::kSoftmax: {
        y = *x;
        const float top = *std::max_element(y.begin(), y.end());
        double sum = 0;
        for (float& v : y) sum += (v = std::exp(v - top));
        for (float& v : y) v = static_cast<float>(v / sum);
        break;
      }
    }
    if (ranges) Widen(ranges->out[i], y);
    out[i] = std::move(y);
    for (int xi : n.inputs)
      if (last_use[static_cast<size_t>(xi)] == i) Buffer().swap(out[static_cast<size_t>(xi)]);
  }
  return std::move(out.back());
}

ZooRanges EstimateZooRanges(const ZooGraph& graph) {
  const std::vector<ZooNode>& nodes = graph.nodes();
  ZooRanges r;
  r.out.resize(nodes.size());
  r.product.resize(nodes.size());
  // Per node: second moment E[y^2] of its output, for the next layer's estimate.
  std::vector<double> moment(nodes.size(), 0.0);
  auto mean_square = [](const std::vector<float>& v) {
    double s = 0;
    for (float x : v) s += double{x} * x;
    return v.empty() ? 0.0 : s / static_cast<double>(v.size());
  };
  auto max_abs = [](const std::vector<float>& v) {
    float m = 0;
    for (float x : v) m = std::max(m, std::abs(x));
    return double{m};
  };
  for (size_t i = 0; i < nodes.size(); ++i) {
    const ZooNode& n = nodes[i];
    const size_t x = n.inputs.empty() ? 0 : static_cast<size_t>(n.inputs[0]);
    double lo = 0, hi = 0, m2 = 0;
    switch (n.op) {
      case ZooOp::kInput:
        lo = 0, hi = 1, m2 = 1.0 / 3;
        break;
      case ZooOp::kConv:
      case ZooOp::kDepthwise:
      case ZooOp::kDense: {
        // pre-activation ~ N(bias, fan_in * E[w^2] * E[x^2]); keep +-4 sigma.
        const double fan_in = n.op == ZooOp::kDepthwise
                                  ? static_cast<double>(n.kernel_h) * n.kernel_w
                                  : static_cast<double>(n.weights.size()) / n.channels;
        const double sigma = std::sqrt(fan_in * mean_square(n.weights) * moment[x]);
        const double bound = 4 * sigma + max_abs(n.bias);
        lo = -bound, hi = bound, m2 = sigma * sigma + mean_square(n.bias);
        break;
      }
      case ZooOp::kMaxPool:
      case ZooOp::kAvgPool:
      case ZooOp::kMean:
      case ZooOp::kPad:
      case ZooOp::kReshape:
        lo = r.out[x].min, hi = r.out[x].max, m2 = moment[x];
        break;
      case ZooOp::kConcat: {
        double weighted = 0;
        for (int xi : n.inputs) {
          lo = std::min(lo, double{r.out[static_cast<size_t>(xi)].min});
          hi = std::max(hi, double{r.out[static_cast<size_t>(xi)].max});
          weighted += moment[static_cast<size_t>(xi)] * graph.node(xi).channels;
        }
        m2 = weighted / n.channels;
        break;
      }
      case ZooOp::kAdd: {
        const size_t b = static_cast<size_t>(n.inputs[1]);
        lo = double{r.out[x].min} + r.out[b].min;
        hi = double{r.out[x].max} + r.out[b].max;
        m2 = moment[x] + moment[b];
        break;
      }
      case ZooOp::kBatchNorm: {
        const double s = max_abs(n.weights);
        r.product[i] = {static_cast<float>(std::min(0.0f, r.out[x].min) * s),
                        static_cast<float>(r.out[x].max * s)};
        const double o = max_abs(n.bias);
        lo = r.product[i].min - o, hi = r.product[i].max + o;
        m2 = mean_square(n.weights) * moment[x] + mean_square(n.bias);
        break;
      }
      case ZooOp::kSoftmax:
        lo = 0, hi = 1, m2 = 1.0 / n.channels;
        break;
    }
    if (n.activation == Activation::kRelu || n.activation == Activation::kRelu6) {
      lo = 0;
      m2 /= 2;
      if (n.activation == Activation::kRelu6) hi = std::min(hi, 6.0), m2 = std::min(m2, 36.0);
    }
    r.out[i] = {static_cast<float>(lo), static_cast<float>(hi)};
    moment[i] = m2;
  }
  return r;
}

}  // namespace segpipe::synth::internal
