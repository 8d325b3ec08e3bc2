// A zoo of standard CNN architectures as int8 TFLite models with random weights: the layer
// shapes of the published networks (Keras Applications, TF-slim, torchvision; see
// docs/zoo.md for which definition each name follows), quantized as synth quantizes the
// paper's models (paper_models.h). Meant for placement and timing studies on real layer types:
// shapes and parameter counts are exact, accuracy is not a goal.
//
// Usage:
//   ZooConfig config;  config.name = "mobilenet_v2";
//   SEGPIPE_ASSIGN_OR_RETURN(ZooModel m, SynthesizeZoo(config));
//   // m.model: the int8 Model; m.parameters: what it holds and what the original counted.
#ifndef SEGPIPE_SYNTH_INTERNAL_ZOO_MODELS_H_
#define SEGPIPE_SYNTH_INTERNAL_ZOO_MODELS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "segpipe/core/status.h"
#include "segpipe/model/model.h"

namespace segpipe::synth {

// Representative inputs when the caller does not say: the zoo's full-size models cost up to
// 20 GMAC per float inference, and with random weights the ranges settle after a few inputs.
inline constexpr int kZooCalibrationInputs = 4;

struct ZooConfig {
  std::string name;
  int input_size = 0;  // height = width; 0: the architecture's default (ZooDefaultInputSize)
  int classes = 1000;
  uint64_t seed = 1;
  int calibration_inputs = kZooCalibrationInputs;  // 0: ranges estimated from the weights
};

// How the model's parameters relate to the published count. A deployed int8 model has no
// batch normalizations: the converter folds each one that follows a convolution into that
// convolution (its scale into the weights, its shift into the bias), and turns the others into
// a per-channel MUL + ADD. `deployed` counts the elements of every quantized constant tensor
// (weights, biases, those MUL/ADD vectors; not shapes, axes or paddings). The channel counts
// say how many batch-normalized channels went each way, so that any convention can be
// reconstructed: Keras counts 4 values per channel (gamma, beta, moving mean and variance),
// PyTorch 2 (weight and bias; the running statistics are buffers).
struct ZooParameters {
  int64_t deployed = 0;
  int64_t bn_into_biasless_conv = 0;  // channels; the folded bias is new
  int64_t bn_into_biased_conv = 0;    // channels; the conv had a bias already (Keras ResNet v1)
  int64_t bn_unfolded = 0;            // channels kept as MUL + ADD (2 values each)
  // Convs the original has without bias and without BN (DenseNet) still get a zero bias,
  // because TFLite's int8 conv kernels require one: elements in `deployed` the original lacks.
  int64_t zero_bias = 0;

  // The count as Keras' model.count_params() reports it for the original.
  int64_t Keras() const {
    return deployed - zero_bias + 3 * bn_into_biasless_conv + 4 * bn_into_biased_conv +
           2 * bn_unfolded;
  }
  // The count as sum(p.numel() for p in model.parameters()) reports it in PyTorch.
  int64_t PyTorch() const {
    return deployed - zero_bias + bn_into_biasless_conv + 2 * bn_into_biased_conv;
  }
};

struct ZooModel {
  Model model;  // int8, validated
  ZooParameters parameters;
};

// The names, in the order `synth zoo --list` prints them.
std::vector<std::string> ZooNames();
// Input height = width a name is built at by default (Coral's benchmark table: 224, 299 for
// the ResNets and Inception v4). InvalidArgument for an unknown name.
StatusOr<int> ZooDefaultInputSize(const std::string& name);

StatusOr<ZooModel> SynthesizeZoo(const ZooConfig& config);

// Elements of the quantized constant tensors of `model` (ZooParameters::deployed).
int64_t CountQuantizedParameters(const Model& model);

}  // namespace segpipe::synth

#endif  // SEGPIPE_SYNTH_INTERNAL_ZOO_MODELS_H_
