// Float forward pass of dense/conv nets (reference for calibration and error checks).
#include "segpipe/synth/internal/float_net.h"

#include <algorithm>
#include <cmath>

namespace segpipe::synth {

int64_t FloatNet::InputSize() const {
  int64_t n = 1;
  for (int d : input_shape) n *= d;
  return n;
}

uint64_t SeededRandom::Next() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

float SeededRandom::Uniform(float low, float high) {
  // 24 random bits: exactly representable, strictly below 1.
  const float unit = static_cast<float>(Next() >> 40) * (1.0f / 16777216.0f);
  return low + (high - low) * unit;
}

namespace {

// Ranges start at {0, 0}: quantized ranges always include zero, so nothing is lost.
void Widen(Range& range, std::span<const float> values) {
  if (values.empty()) return;
  auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  range.min = std::min(range.min, *lo);
  range.max = std::max(range.max, *hi);
}

std::vector<float> Dense(const FloatLayer& layer, std::span<const float> x) {
  std::vector<float> y(layer.out_channels);
  for (int o = 0; o < layer.out_channels; ++o) {
    const float* w = &layer.weights[static_cast<size_t>(o) * layer.in_channels];
    double acc = layer.bias[o];
    for (int i = 0; i < layer.in_channels; ++i) acc += double{w[i]} * x[i];
    y[o] = static_cast<float>(acc);
  }
  return y;
}

// SAME padding, stride 1; x is [H][W][C].
std::vector<float> Conv(const FloatLayer& layer, std::span<const float> x, int height, int width) {
  const int k = layer.kernel, ic = layer.in_channels, oc = layer.out_channels;
  const int pad = (k - 1) / 2;
  // [kh][kw][ic][oc] so the inner loop runs over contiguous output channels.
  std::vector<float> wt(static_cast<size_t>(k) * k * ic * oc);
  for (int o = 0; o < oc; ++o)
    for (int r = 0; r < k * k * ic; ++r)
      wt[static_cast<size_t>(r) * oc + o] = layer.weights[static_cast<size_t>(o) * k * k * ic + r];
  std::vector<float> y(static_cast<size_t>(height) * width * oc);
  std::vector<float> acc(oc);
  for (int h = 0; h < height; ++h) {
    for (int w = 0; w < width; ++w) {
      std::copy(layer.bias.begin(), layer.bias.end(), acc.begin());
      for (int kh = 0; kh < k; ++kh) {
        const int ih = h + kh - pad;
        if (ih < 0 || ih >= height) continue;
        for (int kw = 0; kw < k; ++kw) {
          const int iw = w + kw - pad;
          if (iw < 0 || iw >= width) continue;
          const float* px = &x[(static_cast<size_t>(ih) * width + iw) * ic];
          const float* wrow = &wt[(static_cast<size_t>(kh) * k + kw) * ic * oc];
          for (int c = 0; c < ic; ++c) {
            const float v = px[c];
            const float* wc = wrow + static_cast<size_t>(c) * oc;
            for (int o = 0; o < oc; ++o) acc[o] += v * wc[o];
          }
        }
      }
      std::copy(acc.begin(), acc.end(), &y[(static_cast<size_t>(h) * width + w) * oc]);
    }
  }
  return y;
}

}  // namespace

std::vector<float> Forward(const FloatNet& net, std::span<const float> input,
                           std::vector<LayerRanges>* ranges) {
  std::vector<float> x(input.begin(), input.end());
  for (size_t l = 0; l < net.layers.size(); ++l) {
    const FloatLayer& layer = net.layers[l];
    std::vector<float> y = layer.conv ? Conv(layer, x, net.input_shape[0], net.input_shape[1])
                                      : Dense(layer, x);
    if (ranges) Widen((*ranges)[l].pre, y);
    for (float& v : y) {
      if (layer.activation == FloatActivation::kTanh) v = std::tanh(v);
      if (layer.activation == FloatActivation::kRelu) v = std::max(v, 0.0f);
    }
    if (ranges) Widen((*ranges)[l].post, y);
    x = std::move(y);
  }
  return x;
}

}  // namespace segpipe::synth
