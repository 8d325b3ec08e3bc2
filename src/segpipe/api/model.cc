#include "segpipe/api/model.h"

#include <fmt/format.h>

#include <utility>

#include "segpipe/core/internal/file_io.h"
#include "segpipe/core/internal/sha256.h"
#include "segpipe/exec/internal/executor.h"
#include "segpipe/exec/internal/image.h"
#include "segpipe/tflite/internal/reader.h"

namespace segpipe::api {

struct Model::Data {
  segpipe::Model model;
  std::string path, sha256;
  std::vector<TensorInfo> inputs, outputs;
  int64_t macs = 0;
};

namespace {

TensorInfo Info(const Tensor& t) {
  TensorInfo info;
  info.name = t.name;
  info.shape = t.shape;
  info.dtype = std::string(DataTypeName(t.type));
  if (!t.quant.empty()) {
    info.scale = t.quant.scale[0];
    info.zero_point = t.quant.zero_point.empty() ? 0 : t.quant.zero_point[0];
  }
  info.num_bytes = t.num_bytes();
  return info;
}

}  // namespace

StatusOr<Model> Model::Load(const std::string& path) {
  SEGPIPE_ASSIGN_OR_RETURN(segpipe::Model model, ReadTfliteFile(path));
  SEGPIPE_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFileBytes(path, "model file"));
  return FromInternal(std::move(model), path, Sha256Hex(bytes));
}

Model Model::FromInternal(segpipe::Model model, std::string path, std::string sha256) {
  auto data = std::make_shared<Data>();
  for (int32_t t : model.inputs) data->inputs.push_back(Info(model.tensor(t)));
  for (int32_t t : model.outputs) data->outputs.push_back(Info(model.tensor(t)));
  data->macs = ModelMacs(model);
  data->model = std::move(model);
  data->path = std::move(path);
  data->sha256 = std::move(sha256);
  return Model(std::move(data));
}

const std::string& Model::path() const { return data_->path; }
const std::string& Model::sha256() const { return data_->sha256; }
const std::vector<TensorInfo>& Model::inputs() const { return data_->inputs; }
const std::vector<TensorInfo>& Model::outputs() const { return data_->outputs; }
int Model::num_ops() const { return static_cast<int>(data_->model.ops.size()); }
int64_t Model::macs() const { return data_->macs; }
const segpipe::Model& Model::internal() const { return data_->model; }

StatusOr<Kernels> ParseKernels(std::string_view name) {
  if (name == "fast") return Kernels::kFast;
  if (name == "reference") return Kernels::kReference;
  return InvalidArgumentError(
      fmt::format("unknown kernels '{}' (expected fast or reference)", name));
}

StatusOr<std::vector<std::vector<uint8_t>>> RunModel(
    const Model& model, std::span<const std::span<const uint8_t>> inputs, Kernels kernels) {
  const std::vector<TensorInfo>& infos = model.inputs();
  if (inputs.size() != infos.size())
    return InvalidArgumentError(
        fmt::format("the model takes {} input(s), got {}", infos.size(), inputs.size()));
  KernelOptions options;
  options.kernels = kernels == Kernels::kFast ? KernelSet::kFast : KernelSet::kReference;
  SEGPIPE_ASSIGN_OR_RETURN(std::unique_ptr<Executor> executor,
                           Executor::Create(model.internal(), options));
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::span<uint8_t> dst = executor->input(static_cast<int>(i));
    if (inputs[i].size() != dst.size())
      return InvalidArgumentError(fmt::format("input {} ('{}') takes {} bytes, got {}", i,
                                              infos[i].name, dst.size(), inputs[i].size()));
    std::copy(inputs[i].begin(), inputs[i].end(), dst.begin());
  }
  executor->Invoke();
  std::vector<std::vector<uint8_t>> outputs;
  for (int i = 0; i < executor->num_outputs(); ++i) {
    std::span<const uint8_t> out = executor->output(i);
    outputs.emplace_back(out.begin(), out.end());
  }
  return outputs;
}

StatusOr<std::vector<uint8_t>> ImageInput(const Model& model, const std::string& image_path,
                                          int input) {
  const segpipe::Model& m = model.internal();
  if (input < 0 || input >= static_cast<int>(m.inputs.size()))
    return InvalidArgumentError(
        fmt::format("the model has {} input(s); there is no input {}", m.inputs.size(), input));
  SEGPIPE_ASSIGN_OR_RETURN(Image image, ReadImageFile(image_path));
  return ImageToInputTensor(image, m.tensor(m.inputs[static_cast<size_t>(input)]));
}

}  // namespace segpipe::api
