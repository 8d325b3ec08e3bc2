// Internal to synth/: the pieces of post-training int8 quantization that every synthesized
// model shares (the paper's FC/CONV families and the zoo), so that each rule has one home:
// activation ranges -> asymmetric int8, weights -> symmetric int8 (per tensor or per channel),
// biases -> int32 at input scale * weight scale, and a builder that appends tensors and ops.
#ifndef SEGPIPE_SYNTH_INTERNAL_INT8_BUILDER_H_
#define SEGPIPE_SYNTH_INTERNAL_INT8_BUILDER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "segpipe/model/model.h"
#include "segpipe/synth/internal/float_net.h"

namespace segpipe::synth::internal {

// Asymmetric int8 parameters for a real range, as TFLite's calibrator derives them: the range
// is widened to include 0 and the zero point is rounded so that 0 is exactly representable.
Quantization AsymmetricInt8(Range range);

// round(value / scale) + zero_point, saturated to int8.
int8_t QuantizeValue(float value, float scale, int64_t zero_point);

// Symmetric int8 scales (range [-127, 127]): one per channel when `channels` > 1, else one for
// the whole tensor. Channel of element i: (i / inner) % channels, so [out][rest] layouts pass
// inner = rest and depthwise [1][kh][kw][c] layouts pass inner = 1.
std::vector<float> SymmetricScales(const std::vector<float>& weights, int channels, size_t inner);

// Appends tensors and ops to a Model. Tensors are referred to by index, as in the IR.
class Int8ModelBuilder {
 public:
  explicit Int8ModelBuilder(std::string description);

  int32_t Activation(std::string name, std::vector<int32_t> shape, Quantization quant);
  // int8 constant quantized with `scales` (see SymmetricScales for `inner`); `axis` is the
  // quantized dimension recorded in the tensor.
  int32_t Weights(std::string name, std::vector<int32_t> shape, const std::vector<float>& values,
                  const std::vector<float>& scales, size_t inner, int32_t axis);
  // int32 bias with scale input_scale * weight_scale per channel, zero point 0.
  int32_t Bias(std::string name, const std::vector<float>& values, float input_scale,
               const std::vector<float>& weight_scales);
  // Unquantized int32 constant (shapes, axes, paddings).
  int32_t Int32Constant(std::string name, std::vector<int32_t> shape,
                        const std::vector<int32_t>& values);
  void AddOp(OpType type, int32_t version, std::vector<int32_t> inputs, int32_t output,
             OpOptions options = {});

  Model& model() { return model_; }

 private:
  int32_t Add(Tensor t);
  Model model_;
};

}  // namespace segpipe::synth::internal

#endif  // SEGPIPE_SYNTH_INTERNAL_INT8_BUILDER_H_
