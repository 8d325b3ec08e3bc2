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

#include "cli_common.h"
#include "commands.h"
#include "json_vocabulary.h"
#include "segpipe/device/internal/edgetpu_compiler.h"
#include "segpipe/device/internal/edgetpu_handoff.h"
#include "segpipe/partition/internal/plan_file.h"
#include "segpipe/report/internal/progress.h"
#include "segpipe/tflite/internal/inspect.h"
#include "segpipe/tflite/internal/reader.h"

namespace segpipe::cli {
namespace {

struct CompileFlags {
  std::string model_path;
  int segments = 1;
  std::string split = "params";
  std::string output_dir;
  bool json = false;
  std::string plan_path;  // --plan: segments from a `segpipe plan -o` file
  std::string check_dir;  // --check-compiled
};

// `files`: the segment files written (segment order; empty without -o). File names follow
// edgetpu_compiler's convention (0-based: x_segment_0_of_2.tflite), while reports count segments
// from 1 like the compiler's log; JSON gives both.
nlohmann::ordered_json ToJson(const Model& model, const EdgeTpuCompilation& c,
                              const std::string& model_path,
                              const std::vector<std::string>& files) {
  nlohmann::ordered_json out = JsonHeader(model_path);
  nlohmann::ordered_json all_cpu_ops = nlohmann::ordered_json::array();
  out["num_segments"] = c.num_segments;
  out["split"] = SplitSpecName(c.split);
  out["segments"] = nlohmann::ordered_json::array();
  for (const CompiledSegment& seg : c.segments) {
    const SegmentPlacement& p = seg.placement;
    nlohmann::ordered_json residency = nlohmann::ordered_json::array();
    for (const LayerPlacement& layer : p.layers)
      residency.push_back({{"first_op", layer.first_op},
                           {"last_op", layer.last_op},
                           {"kind", std::string(LayerKindName(layer.kind))},
                           {"weight_bytes", layer.weight_bytes},
                           {"on_chip", layer.on_chip}});
    nlohmann::ordered_json cpu_ops = nlohmann::ordered_json::array();
    for (int op : p.cpu_ops) {
      cpu_ops.push_back(OpDisplayName(model.ops[op]));
      all_cpu_ops.push_back(OpDisplayName(model.ops[op]));
    }
    nlohmann::ordered_json operations = nlohmann::ordered_json::array();
    for (const OperationTableRow& row : OperationTable(model, seg.ops))
      operations.push_back({{"op", row.op}, {"count", row.count}, {"status", row.status}});
    StageFields f;
    f.index = seg.index + 1;
    f.first_op = p.first_op;
    f.last_op = p.last_op;
    f.first_layer = seg.first_layer;
    f.last_layer = seg.last_layer;
    f.device = fmt::format("edgetpu:{}", seg.index);
    f.stage_ms = static_cast<double>(seg.timing.total_ns()) * 1e-6;
    f.on_chip_bytes = p.on_chip_bytes;
    f.off_chip_bytes = p.off_chip_bytes;
    nlohmann::ordered_json j = StageJson(f);
    j["num_ops"] = p.num_ops;
    j["input_bytes"] = p.input_bytes;
    j["output_bytes"] = p.output_bytes;
    j["remaining_bytes"] = p.remaining_bytes;
    j["layer_placement"] = residency;
    j["edgetpu_ops"] = p.num_edgetpu_ops;
    j["cpu_ops"] = cpu_ops;
    j["cpu_op_indices"] = p.cpu_ops;
    j["cpu_ops_ms"] = p.cpu_ops_ns * 1e-6;
    j["operations"] = operations;
    if (!files.empty()) j["file"] = files[static_cast<size_t>(seg.index)];
    out["segments"].push_back(std::move(j));
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

Status Run(const CompileFlags& flags) {
  if (!flags.check_dir.empty()) return CheckCompiled(flags);
  if (flags.model_path.empty())
    return InvalidArgumentError("compile needs a MODEL (or --check-compiled DIR)");
  SEGPIPE_ASSIGN_OR_RETURN(Model model, ReadTfliteFile(flags.model_path));
  NoteDeprecatedSplitName(flags.split);
  SEGPIPE_ASSIGN_OR_RETURN(SplitSpec split, ParseSplitSpec(flags.split));
  int num_segments = flags.segments;
  if (!flags.plan_path.empty()) {
    SEGPIPE_ASSIGN_OR_RETURN(LoadedPlan plan, LoadPlanFile(flags.plan_path));
    SEGPIPE_RETURN_IF_ERROR(CheckPlanMatchesModelFile(plan, flags.plan_path, flags.model_path));
    split.kind = SplitKind::kExplicit;
    SEGPIPE_ASSIGN_OR_RETURN(split.cut_after_layers, PlanCutAfterLayers(plan, model));
    num_segments = static_cast<int>(plan.partition.segments.size());
  }
  // Large models take seconds to place and to write as segments.
  report::BusyIndicator busy("segpipe compile", ProgressWanted());
  SEGPIPE_ASSIGN_OR_RETURN(EdgeTpuCompilation compiled,
                           CompileForEdgeTpu(model, num_segments, split, EdgeTpuSpec{}));
  std::vector<std::string> files;
  if (!flags.output_dir.empty()) {
    SEGPIPE_RETURN_IF_ERROR(CreateOutputDirectory(flags.output_dir, "-o"));
    SEGPIPE_ASSIGN_OR_RETURN(files, WriteCompiledSegments(model, flags.model_path, compiled,
                                                          flags.output_dir,
                                                          {flags.model_path, flags.plan_path}));
  }
  busy.Finish();
  if (flags.json) {
    std::printf("%s\n", ToJson(model, compiled, flags.model_path, files).dump(2).c_str());
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
                  "params (compiler's parameter-balanced split; 'default' is its deprecated "
                  "name), uniform (the paper's "
                  "layer-count split), or the last layer of each segment but the last: 2 or 1,3")
      ->capture_default_str();
  cmd->add_option("-o,--output-dir", flags->output_dir,
                  "write <stem>_segment_<k>_of_<S>.tflite (k from 0) and README.txt here");
  cmd->add_flag("--json", flags->json, "print segments as JSON");
  AddQuietFlag(cmd);
  cmd->add_option("--check-compiled", flags->check_dir,
                  "read the segments in DIR compiled by edgetpu_compiler (*_edgetpu.tflite) and "
                  "print predicted versus actual bytes and CPU ops per segment (no MODEL)");
  cmd->add_option("--plan", flags->plan_path,
                  "take the segments from a plan file written by `segpipe plan -o` "
                  "(overrides --segments and --split)");
  cmd->callback([flags, action] { *action = [flags] { return Run(*flags); }; });
}

}  // namespace segpipe::cli
