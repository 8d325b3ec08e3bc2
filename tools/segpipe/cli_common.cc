// Shared CLI helpers (see cli_common.h).
#include "cli_common.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <regex>

#include "segpipe/core/internal/file_io.h"
#include "segpipe/exec/internal/image.h"
#include "segpipe/exec/internal/inference_report.h"
#include "segpipe/pipeline/internal/run.h"
#include "segpipe/report/internal/progress.h"
#include "segpipe/synth/internal/paper_models.h"
#include "segpipe/tflite/internal/inspect.h"

namespace segpipe::cli {
namespace {

bool quiet = false;  // --quiet, wherever it was given (one process, one command)

int EditDistance(std::string_view a, std::string_view b) {
  std::vector<int> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    int diagonal = row[0];
    row[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      const int above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string CommandPath(const CLI::App* app) {
  std::vector<std::string> names;
  for (; app != nullptr; app = app->get_parent()) names.push_back(app->get_name());
  std::reverse(names.begin(), names.end());
  std::string path = "segpipe";
  for (size_t i = 1; i < names.size(); ++i) path += " " + names[i];
  return path;
}

std::string OptionNames(const CLI::Option* opt) {
  if (opt->get_positional()) return opt->get_name();
  std::vector<std::string> names;
  for (const std::string& s : opt->get_snames()) names.push_back("-" + s);
  for (const std::string& l : opt->get_lnames()) names.push_back("--" + l);
  return fmt::format("{}", fmt::join(names, ", "));
}

std::string EscapeCell(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

void AppendCommand(const CLI::App* app, std::string* out) {
  const std::vector<const CLI::App*> subs =
      app->get_subcommands([](const CLI::App*) { return true; });
  if (app->get_parent() != nullptr) {
    *out += fmt::format("### {}\n\n{}\n\n", CommandPath(app), EscapeCell(app->get_description()));
    std::vector<const CLI::Option*> options =
        app->get_options([](const CLI::Option* o) { return o->get_name() != "--help"; });
    if (!options.empty()) {
      *out += "| flag | value | default | meaning |\n|---|---|---|---|\n";
      for (const CLI::Option* o : options) {
        std::string value = o->get_type_name();
        if (o->get_type_size() == 0) value = "";
        std::string def = o->get_default_str();
        if (o->get_required()) def = "required";
        *out += fmt::format("| `{}` | {} | {} | {} |\n", OptionNames(o), EscapeCell(value),
                            def.empty() ? "" : "`" + EscapeCell(def) + "`",
                            EscapeCell(o->get_description()));
      }
      *out += "\n";
    }
  }
  for (const CLI::App* sub : subs) AppendCommand(sub, out);
}

bool HasPositiveValidator(CLI::App& app, const std::string& flag) {
  for (CLI::Option* opt : app.get_options()) {
    if (!opt->check_name(flag)) continue;
    // CLI11 keeps "POSITIVE" as the validator's description (its name is empty).
    try {
      return opt->get_validator("")->get_description() == "POSITIVE";
    } catch (const CLI::Error&) {
      return false;
    }
  }
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
    if (HasPositiveValidator(*sub, flag)) return true;
  return false;
}

}  // namespace

std::string VersionLine() { return fmt::format("segpipe {}", kSegpipeVersion); }

nlohmann::ordered_json JsonHeader(const std::string& model_path) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  if (!model_path.empty()) j["model"] = model_path;
  j["segpipe_version"] = std::string(kSegpipeVersion);
  return j;
}

Status CheckSubcommandNames(const CLI::App& app, int argc, const char* const* argv) {
  const CLI::App* current = &app;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.empty() || arg[0] == '-') return OkStatus();  // flags: CLI11 checks those
    std::vector<const CLI::App*> subs =
        current->get_subcommands([](const CLI::App*) { return true; });
    if (subs.empty()) return OkStatus();  // positionals of a leaf command
    const CLI::App* match = nullptr;
    const CLI::App* closest = nullptr;
    int best = 1 << 30;
    for (const CLI::App* sub : subs) {
      if (sub->check_name(std::string(arg))) match = sub;
      const int d = EditDistance(arg, sub->get_name());
      if (d < best) {
        best = d;
        closest = sub;
      }
    }
    if (match == nullptr) {
      std::vector<std::string> names;
      for (const CLI::App* sub : subs) names.push_back(sub->get_name());
      const std::string hint =
          closest != nullptr && best <= std::max<int>(2, static_cast<int>(arg.size()) / 3)
              ? fmt::format("did you mean '{}'? ", closest->get_name())
              : "";
      return InvalidArgumentError(fmt::format(
          "unknown subcommand '{}' of '{}'; {}subcommands: {}; run '{} --help' for usage", arg,
          CommandPath(current), hint, fmt::join(names, ", "), CommandPath(current)));
    }
    current = match;
  }
  return OkStatus();
}

std::string UsageErrorMessage(const CLI::ParseError& error, CLI::App& app) {
  const std::string message = error.what();
  static const std::regex kRange(R"(^(\S+): Value (\S+) not in range (\S+) to (\S+)$)");
  std::smatch m;
  if (!std::regex_match(message, m, kRange)) return message;
  const std::string flag = m[1], value = m[2];
  const double lo = std::strtod(m[3].str().c_str(), nullptr);
  const double hi = std::strtod(m[4].str().c_str(), nullptr);
  const bool integer = std::regex_match(value, std::regex(R"(-?\d+)"));
  auto number = [](double v) { return fmt::format("{:g}", v); };
  std::string rule;
  const double given = std::strtod(value.c_str(), nullptr);
  if (hi > 1e300) {
    // PositiveNumber's bound (the smallest positive double) prints as 0.000000, like
    // NonNegativeNumber's: tell them apart by the validator's name.
    if (given >= lo || HasPositiveValidator(app, flag)) {
      rule = integer ? "must be >= 1" : "must be > 0";
    } else {
      rule = "must be >= " + number(lo);
    }
  } else {
    rule = fmt::format("must be between {} and {}", number(lo), number(hi));
  }
  return fmt::format("{} {} (got {})", flag, rule, value);
}

Status RejectIfGiven(const CLI::App& cmd, const std::string& flag, std::string_view why) {
  if (cmd.count(flag) == 0) return OkStatus();
  return InvalidArgumentError(fmt::format("{} has no effect here: {}", flag, why));
}

Status CreateOutputDirectory(const std::string& dir, std::string_view flag) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return WriteFailedError(
        fmt::format("{} {}: cannot create the folder: {}", flag, dir, ec.message()));
  if (!std::filesystem::is_directory(dir, ec))
    return WriteFailedError(fmt::format("{} {}: is not a folder", flag, dir));
  return OkStatus();
}

std::string FlagReferenceMarkdown(const CLI::App& app) {
  std::string out =
      "<!-- Generated by `segpipe help --markdown` from the CLI definitions; do not edit by hand. "
      "-->\n\n";
  AppendCommand(&app, &out);
  // The limits that user-given sizes are checked against (RESOURCE_EXHAUSTED, exit 7, above).
  out += "### Limits\n\n| what | limit | constant |\n|---|---|---|\n";
  out += fmt::format(
      "| bytes of an input file (model, image, plan, --input) | {} | `kMaxInputFileBytes` |\n",
      kMaxInputFileBytes);
  out += fmt::format("| bytes of a label file | {} | `kMaxLabelFileBytes` |\n", kMaxLabelFileBytes);
  out += fmt::format("| pixels of an image | {} | `kMaxImagePixels` |\n", kMaxImagePixels);
  out += fmt::format("| weights of a `synth` model | {} | `synth::kMaxSynthParameters` |\n",
                     synth::kMaxSynthParameters);
  out += fmt::format(
      "| values of a `synth` layer output | {} | `synth::kMaxSynthActivationElements` |\n",
      synth::kMaxSynthActivationElements);
  out += fmt::format(
      "| bytes of the inputs queued by `run --queue-all` (the paper's batch timing) | {} | "
      "`RunConfig::memory_limit_bytes` |\n\n",
      RunConfig{}.memory_limit_bytes);
  while (out.size() >= 2 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n')
    out.pop_back();
  return out;
}

void RegisterHelp(CLI::App& app, Action* action) {
  auto markdown = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("help", "Print the flag reference of every subcommand");
  cmd->add_flag("--markdown", *markdown, "as Markdown tables (the reference in docs/cli.md)");
  const CLI::App* root = &app;
  cmd->callback([action, markdown, root] {
    *action = [markdown, root]() -> Status {
      if (*markdown) {
        const std::string text = FlagReferenceMarkdown(*root);
        std::fwrite(text.data(), 1, text.size(), stdout);
      } else {
        std::printf("%s", root->help().c_str());
        for (const CLI::App* sub : root->get_subcommands([](const CLI::App*) { return true; }))
          std::printf("\n%s", sub->help().c_str());
      }
      return OkStatus();
    };
  });
}

void AddQuietFlag(CLI::App* app) {
  app->add_flag("--quiet", quiet,
                "no progress feedback on stderr (it is drawn only when stderr is a terminal)");
}

bool ProgressWanted() { return !quiet && report::StderrIsTerminal(); }

void NoteDeprecatedSplitName(std::string_view split) {
  if (split == "default")
    std::fprintf(stderr,
                 "segpipe: note: --split default is deprecated; it is the compiler's "
                 "parameter-balanced split, now named params\n");
}

}  // namespace segpipe::cli
