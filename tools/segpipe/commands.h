// Subcommands of the `segpipe` CLI. Each Register* function adds one subcommand to the app and
// installs its callback; the callback returns a Status that main maps to a message and an exit
// code (see ExitCodeFor). Subcommands parse flags and call the library: no logic of their own.
#ifndef SEGPIPE_TOOLS_SEGPIPE_COMMANDS_H_
#define SEGPIPE_TOOLS_SEGPIPE_COMMANDS_H_

#include <functional>

#include <CLI/CLI.hpp>

#include "segpipe/core/status.h"

namespace segpipe::cli {

// The action a subcommand runs after parsing; main runs the one that was selected.
using Action = std::function<Status()>;

// Each registers its subcommand on `app` and stores its action in `*action` when selected.
void RegisterInspect(CLI::App& app, Action* action);
void RegisterRun(CLI::App& app, Action* action);
void RegisterClassify(CLI::App& app, Action* action);
void RegisterSynth(CLI::App& app, Action* action);
void RegisterCompile(CLI::App& app, Action* action);
void RegisterCalibrate(CLI::App& app, Action* action);
void RegisterPaper(CLI::App& app, Action* action);
void RegisterPlan(CLI::App& app, Action* action);
// `serve` and `probe` (pipelines across hosts; builds with SEGPIPE_BUILD_REMOTE).
void RegisterServe(CLI::App& app, Action* action);

}  // namespace segpipe::cli

#endif  // SEGPIPE_TOOLS_SEGPIPE_COMMANDS_H_
