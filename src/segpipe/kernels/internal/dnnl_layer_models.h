// Single-layer quantized models built in code, for the fast-kernel differential tests and the
// kernel benchmarks: CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED in TFLite's two 8-bit
// schemes, with random weights and quantization chosen so outputs spread over the 8-bit range.
#ifndef SEGPIPE_KERNELS_INTERNAL_DNNL_LAYER_MODELS_H_
#define SEGPIPE_KERNELS_INTERNAL_DNNL_LAYER_MODELS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "segpipe/model/model.h"

namespace segpipe {

struct LayerSpec {
  std::string name;  // [A-Za-z0-9_] (used as a test name)
  OpType type = OpType::kConv2D;
  bool uint8 = false;        // legacy uint8 per-tensor; otherwise int8 (symmetric weights)
  bool per_channel = true;   // int8 only
  int32_t batch = 1;
  int32_t height = 1, width = 1;  // ignored by FULLY_CONNECTED
  int32_t in_channels = 1;
  int32_t out_channels = 1;  // depthwise: in_channels * depth multiplier
  int32_t kernel = 1;        // square kernels
  int32_t stride = 1;
  int32_t dilation = 1;
  Padding padding = Padding::kSame;
  Activation activation = Activation::kNone;
  bool bias = true;
};

// A one-op model computing `spec`, weights and quantization drawn from `seed`.
Model BuildLayerModel(const LayerSpec& spec, uint32_t seed);

// Multiply-accumulates of one inference of `spec`.
int64_t LayerMacs(const LayerSpec& spec);

// The layer configurations the differential tests cover: the kinds of layers in the real models
// (MobileNet v1/v2 uint8, int8 per-channel person_detect / micro_speech / hello_world) and the
// paper's FC and CONV layers (large channel counts on reduced spatial sizes to keep the
// reference kernel quick).
std::vector<LayerSpec> TestLayerSpecs();

}  // namespace segpipe

#endif  // SEGPIPE_KERNELS_INTERNAL_DNNL_LAYER_MODELS_H_
