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
    // Help and version print as CLI11 formats them (exit 0). A usage error becomes one line like
    // every other error (CLI11's own format adds a second line), with where to look next.
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
    std::fprintf(stderr, "segpipe: error: %s; run 'segpipe --help' or 'segpipe COMMAND --help' for usage\n",
                 e.what());
    return segpipe::ExitCodeFor(segpipe::StatusCode::kInvalidArgument);
  }
  if (!action) return 0;
  segpipe::Status status = action();
  if (!status.ok()) {
    std::fprintf(stderr, "segpipe: error: %s\n", status.message().c_str());
    return segpipe::ExitCodeFor(status.code());
  }
  return 0;
}
