// api::Model: a quantized TFLite model read from a file, and running it whole on the CPU.
//
//   SEGPIPE_ASSIGN_OR_RETURN(api::Model model, api::Model::Load("mobilenet_v1.tflite"));
//   model.inputs()[0].shape;   // {1, 224, 224, 3}
//   SEGPIPE_ASSIGN_OR_RETURN(auto outputs, api::RunModel(model, {input_bytes}));
//
// A Model is a cheap, copyable handle to an immutable model: copies share it, and it may be
// used from several threads at once.
#ifndef SEGPIPE_API_MODEL_H_
#define SEGPIPE_API_MODEL_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "segpipe/core/status.h"
#include "segpipe/model/model.h"

namespace segpipe::api {

// One model input or output.
struct TensorInfo {
  std::string name;
  std::vector<int32_t> shape;
  std::string dtype;  // numpy's spelling: "uint8", "int8", "float32", ...
  float scale = 0;    // quantization (0 and 0 when not quantized)
  int64_t zero_point = 0;
  int64_t num_bytes = 0;
};

class Model {
 public:
  // Reads a .tflite file. NotFound for a missing file, DataLoss for a corrupt one,
  // Unimplemented for an op segpipe does not run.
  static StatusOr<Model> Load(const std::string& path);
  // Wraps a model already in memory (e.g. one built by segpipe's synth layer).
  static Model FromInternal(segpipe::Model model, std::string path = "", std::string sha256 = "");

  const std::string& path() const;    // as given to Load; empty for FromInternal
  const std::string& sha256() const;  // of the file's bytes (binds plans to it); empty likewise
  const std::vector<TensorInfo>& inputs() const;
  const std::vector<TensorInfo>& outputs() const;
  int num_ops() const;
  int64_t macs() const;  // multiply-accumulates per inference

  // The model as segpipe's layers see it.
  const segpipe::Model& internal() const;

 private:
  struct Data;
  explicit Model(std::shared_ptr<const Data> data) : data_(std::move(data)) {}
  std::shared_ptr<const Data> data_;
};

enum class Kernels { kFast, kReference };
// "fast" or "reference".
StatusOr<Kernels> ParseKernels(std::string_view name);

// Runs the whole model once on the CPU: `inputs` in Model::inputs() order, each exactly its
// num_bytes; returns the outputs in Model::outputs() order.
StatusOr<std::vector<std::vector<uint8_t>>> RunModel(
    const Model& model, std::span<const std::span<const uint8_t>> inputs,
    Kernels kernels = Kernels::kFast);

// The bytes of model input `input` ([1, H, W, C], uint8 or int8) for the image file at
// `image_path` (BMP, PNG or JPEG): channels converted, resized bilinearly to W x H, shifted to
// int8 when the input is int8.
StatusOr<std::vector<uint8_t>> ImageInput(const Model& model, const std::string& image_path,
                                          int input = 0);

}  // namespace segpipe::api

#endif  // SEGPIPE_API_MODEL_H_
