// `segpipe inspect MODEL [--json]`: reads a .tflite model and prints its ops (topological
// order) with output shapes, MACs, weight bytes and quantization, then totals, inputs and
// outputs; for a model compiled by edgetpu_compiler, also what each compiled subgraph caches on
// chip, streams, and which ops stay on the CPU. --json prints the same with stable keys (see
// segpipe/tflite/internal/inspect.h).
#include <cstdio>
#include <memory>
#include <string>

#include "cli_common.h"
#include "commands.h"
#include "segpipe/tflite/internal/edgetpu_package.h"
#include "segpipe/tflite/internal/inspect.h"
#include "segpipe/tflite/internal/reader.h"

namespace segpipe::cli {

void RegisterInspect(CLI::App& app, Action* action) {
  struct Flags {
    std::string model_path;
    bool json = false;
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand("inspect", "Show a model's ops, costs, inputs and outputs");
  cmd->add_option("MODEL", flags->model_path,
                  "the .tflite file: a CPU model, or one compiled by edgetpu_compiler (*_edgetpu)")
      ->required();
  cmd->add_flag("--json", flags->json, "print JSON (keys: ops, totals, inputs, outputs)");
  cmd->callback([action, flags] {
    *action = [flags]() -> Status {
      SEGPIPE_ASSIGN_OR_RETURN(Model model,
                               ReadTfliteFile(flags->model_path, {.allow_edgetpu = true}));
      ModelSummary summary = SummarizeModel(model);
      if (IsEdgeTpuCompiled(model)) {
        StatusOr<EdgeTpuCompiledModel> compiled = ReadEdgeTpuCompiledModel(model);
        if (!compiled.ok()) return compiled.status().WithContext(flags->model_path);
        summary.edgetpu = *std::move(compiled);
      }
      if (flags->json) {
        nlohmann::ordered_json j = JsonHeader(flags->model_path);
        j.update(nlohmann::ordered_json::parse(FormatSummaryJson(summary)));
        std::printf("%s\n", j.dump(2).c_str());
        return OkStatus();
      }
      const std::string text = FormatSummaryText(summary);
      std::fwrite(text.data(), 1, text.size(), stdout);
      return OkStatus();
    };
  });
}

}  // namespace segpipe::cli
