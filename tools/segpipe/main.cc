// segpipe: split quantized neural networks across memory-limited accelerators and run the
// pieces as a pipeline. This file only wires subcommands together and maps errors to exit codes.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <ios>
#include <new>
#include <string>

#include "cli_common.h"
#include "commands.h"
#include "segpipe/core/status.h"

namespace {

int Fail(const segpipe::Status& status) {
  std::fprintf(stderr, "segpipe: error: %s\n", status.message().c_str());
  return segpipe::ExitCodeFor(status.code());
}

// Runs the selected action. Exceptions are not how segpipe reports errors, but the standard
// library and dependencies throw (bad_alloc, ios_base::failure): whatever escapes becomes one
// line and an exit code instead of an abort.
segpipe::Status RunAction(const segpipe::cli::Action& action) {
  try {
    return action();
  } catch (const std::bad_alloc&) {
    return segpipe::ResourceExhaustedError(
        "out of memory; use a smaller model, --batch or input (limits: docs/cli.md)");
  } catch (const std::ios_base::failure& e) {
    return segpipe::DataLossError(std::string("input/output error: ") + e.what());
  } catch (const std::exception& e) {
    return segpipe::InternalError(std::string("unexpected failure: ") + e.what());
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "segpipe: split quantized neural networks across several memory-limited accelerators\n"
      "and run the pieces as a pipeline, choosing the split by profiling."};
  app.require_subcommand(1);
  app.set_version_flag("--version", segpipe::cli::VersionLine());
  segpipe::cli::AddQuietFlag(&app);
  segpipe::cli::Action action;
  segpipe::cli::RegisterInspect(app, &action);
  segpipe::cli::RegisterRun(app, &action);
  segpipe::cli::RegisterClassify(app, &action);
  segpipe::cli::RegisterSynth(app, &action);
  segpipe::cli::RegisterCompile(app, &action);
  segpipe::cli::RegisterCalibrate(app, &action);
  segpipe::cli::RegisterPlan(app, &action);
  segpipe::cli::RegisterPaper(app, &action);
#if SEGPIPE_WITH_REMOTE
  segpipe::cli::RegisterServe(app, &action);
#endif
  segpipe::cli::RegisterHelp(app, &action);

  if (segpipe::Status known = segpipe::cli::CheckSubcommandNames(app, argc, argv); !known.ok())
    return Fail(known);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Help and version print as CLI11 formats them (exit 0). A usage error becomes one line like
    // every other error (CLI11's own format adds a second line), with where to look next.
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
    std::fprintf(stderr,
                 "segpipe: error: %s; run 'segpipe --help' or 'segpipe COMMAND --help' for usage\n",
                 segpipe::cli::UsageErrorMessage(e, app).c_str());
    return segpipe::ExitCodeFor(segpipe::StatusCode::kInvalidArgument);
  }
  if (!action) return 0;
  const segpipe::Status status = RunAction(action);
  if (!status.ok()) return Fail(status);
  return 0;
}
