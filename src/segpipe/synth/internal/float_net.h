// Float networks of dense and conv layers: the models the paper trained in Keras, before the
// TFLite converter quantized them. Used to generate weights from a seed, to run the
// representative dataset that fixes activation ranges, and as the reference the quantized
// model is compared against.
//
// A FloatNet is a plain value. Forward() is pure and thread-safe.
#ifndef SEGPIPE_SYNTH_INTERNAL_FLOAT_NET_H_
#define SEGPIPE_SYNTH_INTERNAL_FLOAT_NET_H_

#include <cstdint>
#include <span>
#include <vector>

namespace segpipe::synth {

enum class FloatActivation : uint8_t { kNone, kTanh, kRelu };

struct FloatLayer {
  bool conv = false;       // false: dense
  int in_channels = 0;     // dense: in features
  int out_channels = 0;    // dense: units
  int kernel = 1;          // conv only: square kernel, stride 1, SAME padding
  FloatActivation activation = FloatActivation::kNone;
  std::vector<float> weights;  // dense [out][in]; conv [out][kh][kw][in] (TFLite layouts)
  std::vector<float> bias;     // [out]
};

struct FloatNet {
  // Dense: {features}; conv: {height, width, channels}. Batch 1 is implied.
  std::vector<int> input_shape;
  std::vector<FloatLayer> layers;

  int64_t InputSize() const;
};

// Observed range of a tensor over the representative dataset.
struct Range {
  float min = 0;
  float max = 0;
};

// Per layer: output of the layer's weighted op before the activation (`pre`) and after it
// (`post`). The quantized model stores `pre` for hidden tanh layers (FC output feeding TANH) and
// `post` for fused ReLU and linear layers.
struct LayerRanges {
  Range pre;
  Range post;
};

// Runs the net on one input; returns the final output. When `ranges` is not null, widens each
// layer's ranges with what this input produced (ranges must have one entry per layer).
std::vector<float> Forward(const FloatNet& net, std::span<const float> input,
                           std::vector<LayerRanges>* ranges = nullptr);

// Deterministic generator: splitmix64. Same seed, same numbers, on every platform.
class SeededRandom {
 public:
  explicit SeededRandom(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  float Uniform(float low, float high);  // [low, high)

 private:
  uint64_t state_;
};

}  // namespace segpipe::synth

#endif  // SEGPIPE_SYNTH_INTERNAL_FLOAT_NET_H_
