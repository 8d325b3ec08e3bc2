// What every subcommand of the `segpipe` CLI shares: the version, the keys every --json output
// starts with, checks of flag combinations and output paths, the friendlier wording of CLI11's
// usage errors, and `segpipe help --markdown` (the flag reference in docs/cli.md).
#ifndef SEGPIPE_TOOLS_SEGPIPE_CLI_COMMON_H_
#define SEGPIPE_TOOLS_SEGPIPE_CLI_COMMON_H_

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "commands.h"
#include "segpipe/core/status.h"
#include "segpipe/model/model.h"

namespace segpipe::cli {

inline constexpr std::string_view kSegpipeVersion = "0.1.0";

std::string VersionLine();  // "segpipe 0.1.0"

// The keys every --json output starts with: {"model": PATH, "segpipe_version": "0.1.0"}.
// `model` is omitted when the command reads no model (empty path).
nlohmann::ordered_json JsonHeader(const std::string& model_path);

// An unknown subcommand ("segpipe inpsect", "segpipe synth rnn") is named, with the closest
// known one, before CLI11 would answer "A subcommand is required".
Status CheckSubcommandNames(const CLI::App& app, int argc, const char* const* argv);

// CLI11's message for a usage error, with ranges in words ("--batch must be >= 1" instead of
// "Value 0 not in range 0.000000 to 1797693...").
std::string UsageErrorMessage(const CLI::ParseError& error, CLI::App& app);

// INVALID_ARGUMENT when `flag` was given on the command line of `cmd` although it means nothing
// here; `why` says so ("--split needs --devices").
Status RejectIfGiven(const CLI::App& cmd, const std::string& flag, std::string_view why);

// Creates an output folder (and its parents) for `flag`; WRITE_FAILED when it cannot.
Status CreateOutputDirectory(const std::string& dir, std::string_view flag);

// `--quiet`, on the app (before the subcommand) or on a subcommand whose work can take seconds:
// no progress feedback. ProgressWanted: draw it (stderr is a terminal and --quiet was not given).
void AddQuietFlag(CLI::App* app);
bool ProgressWanted();
// `--split default` still parses (as params), with a note on stderr that the name is deprecated.
void NoteDeprecatedSplitName(std::string_view split);

// `segpipe help [--markdown]`: the flag reference of every subcommand, generated from the CLI11
// definitions; docs/cli.md embeds the --markdown output (a test keeps it current).
void RegisterHelp(CLI::App& app, Action* action);
std::string FlagReferenceMarkdown(const CLI::App& app);

}  // namespace segpipe::cli

#endif  // SEGPIPE_TOOLS_SEGPIPE_CLI_COMMON_H_
