// segpipe: split quantized neural networks across memory-limited accelerators and run the
// pieces as a pipeline. This file only wires subcommands together and maps errors to exit codes.
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "commands.h"
#include "segpipe/core/status.h"

int main(int argc, char** argv) {
  CLI::App app{
      "segpipe: split quantized neural networks across several memory-limited accelerators\n"
      "and run the pieces as a pipeline, choosing the split by profiling."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "segpipe 0.1.0");
  segpipe::cli::Action action;
  segpipe::cli::RegisterInspect(app, &action);
  segpipe::cli::RegisterRun(app, &action);
  segpipe::cli::RegisterClassify(app, &action);
  segpipe::cli::RegisterSynth(app, &action);
  segpipe::cli::RegisterCompile(app, &action);
  segpipe::cli::RegisterCalibrate(app, &action);
  segpipe::cli::RegisterPlan(app, &action);
  segpipe::cli::RegisterPaper(app, &action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints help/version with exit 0 and usage errors with a one-line reason.
    int code = app.exit(e);
    return code == 0 ? 0 : segpipe::ExitCodeFor(segpipe::StatusCode::kInvalidArgument);
  }
  if (!action) return 0;
  segpipe::Status status = action();
  if (!status.ok()) {
    std::fprintf(stderr, "segpipe: error: %s\n", status.message().c_str());
    return segpipe::ExitCodeFor(status.code());
  }
  return 0;
}
