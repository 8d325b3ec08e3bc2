// `segpipe inspect MODEL [--json]`: filled in with the TFLite reader.
#include "commands.h"

namespace segpipe::cli {

void RegisterInspect(CLI::App& app, Action* action) {
  auto* cmd = app.add_subcommand("inspect", "Show a model's ops, costs, inputs and outputs");
  cmd->callback([action] { *action = [] { return UnimplementedError("inspect: not built yet"); }; });
}

}  // namespace segpipe::cli
