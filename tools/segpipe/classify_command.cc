// `segpipe classify MODEL IMAGE [--labels FILE] [--top K] [--json]`: classifies a BMP, PNG or
// JPEG image the way TFLite's examples do (bilinear resize with half-pixel centres in float,
// truncated to uint8; int8 models get the bytes shifted by -128, or reinterpreted with
// --int8-input reinterpret) and prints the top-K class ids, labels and dequantized scores.
// JSON: {"top": [{"id": .., "label": .., "score": ..}, ...]}.
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_common.h"
#include "commands.h"
#include "segpipe/exec/internal/executor.h"
#include "segpipe/exec/internal/image.h"
#include "segpipe/exec/internal/inference_report.h"
#include "segpipe/tflite/internal/reader.h"

namespace segpipe::cli {
namespace {

struct ClassifyFlags {
  std::string model_path;
  std::string image_path;
  std::string labels_path;
  int top = 3;
  std::string kernels = "fast";
  std::string int8_input = "subtract128";
  bool json = false;
};

Status Classify(const ClassifyFlags& flags) {
  SEGPIPE_ASSIGN_OR_RETURN(Model model, ReadTfliteFile(flags.model_path));
  if (model.inputs.size() != 1 || model.outputs.empty()) {
    return InvalidArgumentError(fmt::format("{}: a classifier takes one image input; this model has {} inputs",
                                            flags.model_path, model.inputs.size()));
  }
  std::vector<std::string> labels;
  if (!flags.labels_path.empty()) {
    SEGPIPE_ASSIGN_OR_RETURN(labels, ReadLabels(flags.labels_path));
  }
  SEGPIPE_ASSIGN_OR_RETURN(Image image, ReadImageFile(flags.image_path));
  KernelOptions options;
  options.kernels = flags.kernels == "reference" ? KernelSet::kReference : KernelSet::kFast;
  StatusOr<std::unique_ptr<Executor>> created = Executor::Create(std::move(model), options);
  if (!created.ok()) return created.status().WithContext(flags.model_path);
  std::unique_ptr<Executor> exec = std::move(created).value();
  SEGPIPE_ASSIGN_OR_RETURN(
      std::vector<uint8_t> input,
      ImageToInputTensor(image, exec->input_tensor(0),
                         flags.int8_input == "reinterpret" ? Int8Input::kReinterpret : Int8Input::kSubtract128));
  std::copy(input.begin(), input.end(), exec->input(0).begin());
  exec->Invoke();
  SEGPIPE_ASSIGN_OR_RETURN(std::vector<ClassScore> top, TopK(exec->output_tensor(0), exec->output(0), flags.top));
  const int64_t classes = exec->output_tensor(0).num_elements();
  if (!labels.empty() && static_cast<int64_t>(labels.size()) != classes)
    std::fprintf(stderr,
                 "segpipe: warning: %s has %zu labels but the model scores %lld classes; the "
                 "labels may belong to another model\n",
                 flags.labels_path.c_str(), labels.size(), static_cast<long long>(classes));

  nlohmann::json list = nlohmann::json::array();
  for (const ClassScore& c : top) {
    const std::string label = c.id < static_cast<int>(labels.size()) ? labels[static_cast<size_t>(c.id)] : "";
    list.push_back({{"id", c.id}, {"label", label}, {"score", c.score}});
  }
  if (flags.json) {
    nlohmann::ordered_json j = JsonHeader(flags.model_path);
    j["image"] = flags.image_path;
    j["top"] = list;
    std::printf("%s\n", j.dump(2).c_str());
    return OkStatus();
  }
  for (const auto& entry : list) {
    std::printf("%5d  %.6f  %s\n", entry["id"].get<int>(), entry["score"].get<double>(),
                entry["label"].get<std::string>().c_str());
  }
  return OkStatus();
}

}  // namespace

void RegisterClassify(CLI::App& app, Action* action) {
  auto flags = std::make_shared<ClassifyFlags>();
  auto* cmd = app.add_subcommand("classify", "Classify an image (BMP, PNG or JPEG) with a model");
  cmd->add_option("MODEL", flags->model_path, "the .tflite classifier")->required();
  cmd->add_option("IMAGE", flags->image_path, "the image: BMP, PNG or JPEG")->required();
  cmd->add_option("--labels", flags->labels_path, "label file: line i names class i");
  cmd->add_option("--top", flags->top, "how many classes to print")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--kernels", flags->kernels, "reference or fast")
      ->check(CLI::IsMember({"reference", "fast"}))->capture_default_str();
  cmd->add_option("--int8-input", flags->int8_input,
                  "for int8 inputs: subtract128 (uint8 pixel - 128) or reinterpret (pixel bytes as int8)")
      ->check(CLI::IsMember({"subtract128", "reinterpret"}))->capture_default_str();
  cmd->add_flag("--json", flags->json, "print JSON (schema: docs/json/classify.schema.json)");
  cmd->callback([action, flags] { *action = [flags] { return Classify(*flags); }; });
}

}  // namespace segpipe::cli
