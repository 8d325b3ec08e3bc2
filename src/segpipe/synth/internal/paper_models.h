// The paper's synthetic model families, built as float nets from a seed and post-training
// quantized to int8 the way the TFLite converter does it:
//  - FC: input I, then L dense layers I->n, n->n, ..., n->outputs; hidden layers
//    FULLY_CONNECTED followed by a separate TANH (int8 TANH output: scale 1/128, zero point 0),
//    last layer linear. Weights per-tensor symmetric int8.
//  - CONV: input size x size x channels, L CONV_2D layers of f filters, k x k, stride 1, SAME
//    padding, fused RELU. Weights per-channel symmetric int8 (axis 0).
// Biases int32 with scale = input scale * weight scale, zero point 0. Activations asymmetric
// int8 from the min/max observed on the representative dataset (100 inputs uniform in [0, 1)),
// widened to include 0. Model input and output are int8 tensors (converter option
// inference_input_type = inference_output_type = int8: no QUANTIZE/DEQUANTIZE ops).
//
// Usage:
//   FcConfig config;  config.hidden = 1620;
//   SEGPIPE_ASSIGN_OR_RETURN(SynthModel m, SynthesizeFc(config));
//   // m.model: the int8 Model; m.float_net: the float original (for error checks).
#ifndef SEGPIPE_SYNTH_INTERNAL_PAPER_MODELS_H_
#define SEGPIPE_SYNTH_INTERNAL_PAPER_MODELS_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "segpipe/core/status.h"
#include "segpipe/model/model.h"
#include "segpipe/synth/internal/float_net.h"

namespace segpipe::synth {

// How activation ranges are found.
//  calibration_inputs > 0: run that many representative inputs through the float net (what the
//    converter does; slow for the large CONV models: ~73 GMAC per input at f = 702).
//  calibration_inputs == 0: estimate each range from the weight statistics (+-4 standard
//    deviations of the pre-activation under the input's second moment). Shapes, weights and
//    Edge TPU accounting are identical; only activation scales differ. Meant for sweeps where
//    only placement and timing matter.
inline constexpr int kConverterCalibrationInputs = 100;

// Limits of SynthesizeFc/SynthesizeConv (RESOURCE_EXHAUSTED above them): 256 Mi weights (1 GiB
// in float while synthesizing) and 256 Mi values per layer
// output.
inline constexpr int64_t kMaxSynthParameters = int64_t{1} << 28;
inline constexpr int64_t kMaxSynthActivationElements = int64_t{1} << 28;

struct FcConfig {
  int hidden = 100;   // n
  int layers = 5;     // L >= 1 (L == 1: a single linear layer inputs -> outputs)
  int inputs = 64;    // I
  int outputs = 10;
  uint64_t seed = 1;
  int calibration_inputs = kConverterCalibrationInputs;
};

struct ConvConfig {
  int filters = 32;   // f
  int layers = 5;
  int size = 64;      // input height = width
  int channels = 3;
  int kernel = 3;
  uint64_t seed = 1;
  int calibration_inputs = kConverterCalibrationInputs;
};

struct SynthModel {
  Model model;        // int8, validated
  FloatNet float_net; // the float original with the same weights
};

StatusOr<SynthModel> SynthesizeFc(const FcConfig& config);
StatusOr<SynthModel> SynthesizeConv(const ConvConfig& config);

// The paper's sweeps (SYSTEM.md section 2): n = 100..2620 step 40; f = 32..702 step 10.
std::vector<int> FcSweepHidden();
std::vector<int> ConvSweepFilters();

// The representative dataset: `count` inputs of `size` values uniform in [0, 1) from `seed`.
std::vector<std::vector<float>> RepresentativeInputs(int64_t size, int count, uint64_t seed);

// Quantizes a float input with the model input's parameters (round to nearest, saturate).
std::vector<int8_t> QuantizeInput(const Model& model, std::span<const float> input);

}  // namespace segpipe::synth

#endif  // SEGPIPE_SYNTH_INTERNAL_PAPER_MODELS_H_
