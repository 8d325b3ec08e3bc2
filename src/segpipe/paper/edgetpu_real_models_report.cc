// Predicted versus compiled placement of the training pairs; see edgetpu_real_models_report.h.
#include "segpipe/paper/internal/edgetpu_real_models_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "segpipe/device/internal/edgetpu_compiler.h"
#include "segpipe/tflite/internal/edgetpu_package.h"
#include "segpipe/tflite/internal/inspect.h"
#include "segpipe/tflite/internal/reader.h"

namespace segpipe {
namespace {

double ToMiB(int64_t bytes) { return static_cast<double>(bytes) / kMiB; }

std::string OpsText(const std::vector<std::string>& ops) {
  if (ops.empty()) return "none";
  return fmt::format("{} ({})", ops.size(), fmt::join(ops, ", "));
}

// The acceptance bound the tests hold the prediction to.
double ToleranceBytes(int64_t actual) {
  return std::max(0.03 * kMiB, 0.01 * static_cast<double>(actual));
}

}  // namespace

const std::vector<std::string>& EdgeTpuTrainingPairs() {
  static const std::vector<std::string> kStems = {
      "mobilenet_v1_0.25_128_quant",
      "mobilenet_v1_0.5_160_quant",
      "deeplabv3_mnv2_dm05_pascal_quant",
      "keras_lstm_mnist_ptq",
      "tools__split_concat",
      "posenet__posenet_mobilenet_v1_075_353_481_16_quant_decoder",
  };
  return kStems;
}

StatusOr<std::vector<RealModelComparison>> CompareWithCompiler(const std::string& dir,
                                                               const EdgeTpuSpec& spec) {
  std::vector<RealModelComparison> out;
  for (const std::string& stem : EdgeTpuTrainingPairs()) {
    RealModelComparison row;
    row.stem = stem;
    SEGPIPE_ASSIGN_OR_RETURN(Model cpu, ReadTfliteFile(dir + "/" + stem + ".tflite"));
    SEGPIPE_ASSIGN_OR_RETURN(EdgeTpuCompilation predicted,
                             CompileForEdgeTpu(cpu, 1, SplitSpec{}, spec));
    const SegmentPlacement& p = predicted.segments[0].placement;
    row.predicted_on_chip_bytes = p.on_chip_bytes;
    row.predicted_off_chip_bytes = p.off_chip_bytes;
    for (int op : p.cpu_ops) row.predicted_cpu_ops.push_back(OpDisplayName(cpu.ops[op]));
    const std::string compiled_path = dir + "/" + stem + "_edgetpu.tflite";
    SEGPIPE_ASSIGN_OR_RETURN(Model compiled_model,
                             ReadTfliteFile(compiled_path, {.allow_edgetpu = true}));
    StatusOr<EdgeTpuCompiledModel> compiled = ReadEdgeTpuCompiledModel(compiled_model);
    if (!compiled.ok()) return compiled.status().WithContext(compiled_path);
    row.compiler_on_chip_bytes = compiled->on_chip_bytes;
    row.compiler_off_chip_bytes = compiled->off_chip_bytes;
    row.compiler_cpu_ops = compiled->cpu_ops;
    out.push_back(std::move(row));
  }
  return out;
}

std::string RealModelsDir(const std::string& dir) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return dir;
#ifdef SEGPIPE_SHARED_DIR
  // Tests regenerate the report from the build tree, where the relative default does not
  // resolve; the checkout's shared data is the same directory.
  const std::string built_in = std::string(SEGPIPE_SHARED_DIR) + "/models/coral";
  if (dir == kEdgeTpuTrainingPairsDir && std::filesystem::is_directory(built_in, ec))
    return built_in;
#endif
  return dir;
}

std::string RealModelsReportMarkdown(const std::string& dir, const EdgeTpuSpec& spec) {
  std::string md = "\n## Real models\n\n";
  md += fmt::format(
      "The paper's families hold fully connected layers and 3x3 convolutions only. For the layers "
      "real models add, the rules come from the layout of the compiled files (the parameter "
      "stream of a PARAMETER_CACHING executable holds each layer's weights in groups of {} input "
      "values per output lane) and are fitted on the training pairs below:\n\n"
      "- 1x1 (pointwise) convolutions pad their output channels to {} instead of {}; other "
      "convolutions and fully connected layers keep {}.\n"
      "- Every convolution carries {} bytes per padded output channel (bias and requantization, "
      "applied per channel on the device) whether it is quantized per channel or per tensor; "
      "fully connected layers quantized per tensor carry none (the paper's FC cells).\n"
      "- Depthwise convolutions store each tap of a channel in a {}-byte group, with the same "
      "per-channel bytes, channels padded to {}.\n"
      "- Ops: the Edge TPU runs the ops of Coral's supported-operations list within its limits "
      "(8-bit tensors, 16-bit LSTM state, at most 3 dimensions above a batch of 1, ...); the "
      "first op it cannot map ends the Edge TPU subgraph and every later op runs on the CPU "
      "(`segpipe compile` prints the operation table).\n\n",
      spec.conv_input_channel_pad, spec.pointwise_output_channel_pad, spec.output_channel_pad,
      spec.output_channel_pad, spec.per_channel_overhead_bytes, spec.depthwise_tap_bytes,
      spec.output_channel_pad);
  StatusOr<std::vector<RealModelComparison>> rows = CompareWithCompiler(RealModelsDir(dir), spec);
  if (!rows.ok())
    return md +
           fmt::format("(The training pairs could not be read: {}.)\n", rows.status().message());
  md += fmt::format(
      "Predicted (`segpipe compile MODEL --segments 1`) versus the compiler's own numbers, read "
      "from `{}/<model>_edgetpu.tflite` (`segpipe inspect`):\n\n",
      dir);
  md +=
      "| model | on-chip MiB (ours / compiler) | error | off-chip MiB (ours / compiler) | "
      "CPU ops (ours) | CPU ops (compiler) |\n|---|---|---|---|---|---|\n";
  int within = 0, ops_equal = 0;
  for (const RealModelComparison& r : *rows) {
    const int64_t diff = r.predicted_on_chip_bytes - r.compiler_on_chip_bytes;
    const bool ok =
        std::abs(static_cast<double>(diff)) <= ToleranceBytes(r.compiler_on_chip_bytes) &&
        std::abs(static_cast<double>(r.predicted_off_chip_bytes - r.compiler_off_chip_bytes)) <=
            ToleranceBytes(r.compiler_off_chip_bytes);
    within += ok ? 1 : 0;
    ops_equal += r.predicted_cpu_ops == r.compiler_cpu_ops ? 1 : 0;
    // Tiny subgraphs in bytes: a percentage of a few hundred bytes says nothing.
    const std::string error =
        r.compiler_on_chip_bytes < 64 * 1024
            ? fmt::format("{:+d} bytes", diff)
            : fmt::format("{:+.3f} MiB ({:+.1f}%)", ToMiB(diff),
                          100.0 * static_cast<double>(diff) / r.compiler_on_chip_bytes);
    md += fmt::format("| {} | {:.3f} / {:.3f} | {} | {:.3f} / {:.3f} | {} | {} |\n", r.stem,
                      ToMiB(r.predicted_on_chip_bytes), ToMiB(r.compiler_on_chip_bytes), error,
                      ToMiB(r.predicted_off_chip_bytes), ToMiB(r.compiler_off_chip_bytes),
                      OpsText(r.predicted_cpu_ops), OpsText(r.compiler_cpu_ops));
  }
  md += fmt::format(
      "\n{} of {} models within max(0.03 MiB, 1%) on and off chip; CPU ops equal for {} of {}. "
      "The LSTM is mapped whole by the compiler but segpipe has no placement rule for its "
      "gates, so only its fully connected head is counted.\n",
      within, rows->size(), ops_equal, rows->size());
  return md;
}

}  // namespace segpipe
