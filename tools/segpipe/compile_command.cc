// `segpipe compile MODEL --segments S [--split ...] [-o DIR] [--json]`: what the Edge TPU
// compiler would do with a CPU model: segment it, map its ops, place each segment's parameters,
// report in the compiler's words (with its operation table), and write the segments as CPU
// .tflite files with a README for edgetpu_compiler and pycoral. `segpipe compile
// --check-compiled DIR` compares the segments compiled by edgetpu_compiler with the prediction.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "commands.h"
#include "segpipe/device/edgetpu_compiler.h"
#include "segpipe/device/edgetpu_handoff.h"
#include "segpipe/partition/plan_file.h"
#include "segpipe/tflite/inspect.h"
#include "segpipe/tflite/reader.h"
#include "segpipe/tflite/writer.h"

namespace segpipe::cli {
namespace {

struct CompileFlags {
  std::string model_path;
  int segments = 1;
  std::string split = "default";
  std::string output_dir;
  bool json = false;
  std::string plan_path;  // --plan: segments from a `segpipe plan -o` file
  std::string check_dir;  // --check-compiled
};

nlohmann::json ToJson(const std::string& model_path, const Model& model,
                      const EdgeTpuCompilation& c) {
  nlohmann::json out;
  out["model"] = model_path;
  nlohmann::json all_cpu_ops = nlohmann::json::array();
  out["num_segments"] = c.num_segments;
  out["split"] = SplitSpecName(c.split);
  out["segments"] = nlohmann::json::array();
  for (const CompiledSegment& seg : c.segments) {
    const SegmentPlacement& p = seg.placement;
    nlohmann::json layers = nlohmann::json::array();
    for (int l = seg.first_layer; l <= seg.last_layer; ++l) layers.push_back(l);
    nlohmann::json residency = nlohmann::json::array();
    for (const LayerPlacement& layer : p.layers)
      residency.push_back({{"first_op", layer.first_op},
                           {"last_op", layer.last_op},
                           {"kind", std::string(LayerKindName(layer.kind))},
                           {"weight_bytes", layer.weight_bytes},
                           {"on_chip", layer.on_chip}});
    nlohmann::json cpu_ops = nlohmann::json::array();
    for (int op : p.cpu_ops) {
      cpu_ops.push_back(OpDisplayName(model.ops[op]));
      all_cpu_ops.push_back(OpDisplayName(model.ops[op]));
    }
    nlohmann::json operations = nlohmann::json::array();
    for (const OperationTableRow& row : OperationTable(model, seg.ops))
      operations.push_back({{"op", row.op}, {"count", row.count}, {"status", row.status}});
    out["segments"].push_back({{"layers", layers},
                               {"first_op", p.first_op},
                               {"last_op", p.last_op},
                               {"num_ops", p.num_ops},
                               {"input_bytes", p.input_bytes},
                               {"output_bytes", p.output_bytes},
                               {"on_chip_bytes", p.on_chip_bytes},
                               {"off_chip_bytes", p.off_chip_bytes},
                               {"remaining_bytes", p.remaining_bytes},
                               {"layer_placement", residency},
                               {"edgetpu_ops", p.num_edgetpu_ops},
                               {"cpu_ops", cpu_ops},
                               {"cpu_op_indices", p.cpu_ops},
                               {"cpu_ops_ms", p.cpu_ops_ns * 1e-6},
                               {"operations", operations},
                               {"estimated_ms", seg.timing.total_ns() * 1e-6}});
  }
  out["cpu_ops"] = all_cpu_ops;
  return out;
}

nlohmann::json ChecksJson(const std::vector<CompiledSegmentCheck>& checks) {
  nlohmann::json segments = nlohmann::json::array();
  for (const CompiledSegmentCheck& c : checks) {
    nlohmann::json row = {{"index", c.k + 1},
                          {"file", c.cpu_file},
                          {"compiled_file", c.compiled_file},
                          {"compiled", c.compiled},
                          {"predicted",
                           {{"on_chip_bytes", c.predicted_on_chip_bytes},
                            {"off_chip_bytes", c.predicted_off_chip_bytes},
                            {"cpu_ops", c.predicted_cpu_ops}}}};
    if (c.compiled)
      row["actual"] = {{"on_chip_bytes", c.actual_on_chip_bytes},
                       {"off_chip_bytes", c.actual_off_chip_bytes},
                       {"cpu_ops", c.actual_cpu_ops},
                       {"compiler_version", c.compiler_version}};
    segments.push_back(std::move(row));
  }
  return {{"segments", segments}};
}

Status CheckCompiled(const CompileFlags& flags) {
  if (!flags.model_path.empty())
    return InvalidArgumentError(
        "--check-compiled DIR reads the segments in DIR; drop the MODEL argument");
  SEGPIPE_ASSIGN_OR_RETURN(std::vector<CompiledSegmentCheck> checks,
                           CheckCompiledSegments(flags.check_dir, EdgeTpuSpec{}));
  const std::string text =
      flags.json ? ChecksJson(checks).dump(2) + "\n" : FormatCompiledSegmentChecks(checks);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return OkStatus();
}

Status WriteReadme(const std::string& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return InvalidArgumentError(fmt::format("cannot write {}", path));
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (std::fclose(f) != 0 || !ok) return UnavailableError(fmt::format("write failed: {}", path));
  return OkStatus();
}

Status Run(const CompileFlags& flags) {
  if (!flags.check_dir.empty()) return CheckCompiled(flags);
  if (flags.model_path.empty())
    return InvalidArgumentError("compile needs a MODEL (or --check-compiled DIR)");
  SEGPIPE_ASSIGN_OR_RETURN(Model model, ReadTfliteFile(flags.model_path));
  SEGPIPE_ASSIGN_OR_RETURN(SplitSpec split, ParseSplitSpec(flags.split));
  int num_segments = flags.segments;
  if (!flags.plan_path.empty()) {
    SEGPIPE_ASSIGN_OR_RETURN(LoadedPlan plan, LoadPlanFile(flags.plan_path));
    split.kind = SplitKind::kExplicit;
    SEGPIPE_ASSIGN_OR_RETURN(split.cut_after_layers, PlanCutAfterLayers(plan, model));
    num_segments = static_cast<int>(plan.partition.segments.size());
  }
  SEGPIPE_ASSIGN_OR_RETURN(EdgeTpuCompilation compiled,
                           CompileForEdgeTpu(model, num_segments, split, EdgeTpuSpec{}));
  if (!flags.output_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(flags.output_dir, ec);
    if (ec)
      return InvalidArgumentError(
          fmt::format("cannot create output directory {}: {}", flags.output_dir, ec.message()));
    const std::string stem = std::filesystem::path(flags.model_path).stem().string();
    for (const CompiledSegment& seg : compiled.segments) {
      SEGPIPE_ASSIGN_OR_RETURN(
          Model piece, ExtractSegment(model, seg.placement.first_op, seg.placement.last_op));
      const std::string path =
          (std::filesystem::path(flags.output_dir) / SegmentFileName(stem, seg.index, num_segments))
              .string();
      SEGPIPE_RETURN_IF_ERROR(WriteTfliteFile(piece, path));
    }
    SEGPIPE_RETURN_IF_ERROR(
        WriteReadme((std::filesystem::path(flags.output_dir) / "README.txt").string(),
                    HandoffReadme(flags.model_path, compiled)));
  }
  if (flags.json) {
    std::printf("%s\n", ToJson(flags.model_path, model, compiled).dump(2).c_str());
  } else {
    std::printf("%s", FormatCompilerReport(model, compiled).c_str());
  }
  return OkStatus();
}

}  // namespace

void RegisterCompile(CLI::App& app, Action* action) {
  auto flags = std::make_shared<CompileFlags>();
  auto* cmd = app.add_subcommand(
      "compile",
      "Segment a model as edgetpu_compiler would, report parameter placement per segment and "
      "write the segments as CPU .tflite files");
  cmd->add_option("model", flags->model_path, "input .tflite (int8/uint8 CPU model)");
  cmd->add_option("--segments", flags->segments, "number of segments")->capture_default_str();
  cmd->add_option("--split", flags->split,
                  "default|params (compiler's parameter-balanced split), uniform (the paper's "
                  "layer-count split), or the last layer of each segment but the last: 2 or 1,3")
      ->capture_default_str();
  cmd->add_option("-o,--output-dir", flags->output_dir,
                  "write <stem>_segment_<k>_of_<S>.tflite (k from 0) and README.txt here");
  cmd->add_flag("--json", flags->json, "print segments as JSON");
  cmd->add_option("--check-compiled", flags->check_dir,
                  "read the segments in DIR compiled by edgetpu_compiler (*_edgetpu.tflite) and "
                  "print predicted versus actual bytes and CPU ops per segment (no MODEL)");
  cmd->add_option("--plan", flags->plan_path,
                  "take the segments from a plan file written by `segpipe plan -o` "
                  "(overrides --segments and --split)");
  cmd->callback([flags, action] { *action = [flags] { return Run(*flags); }; });
}

}  // namespace segpipe::cli
