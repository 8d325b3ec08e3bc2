// The plotting script and the benchmarks page, for `segpipe paper` (paper_plots.h).
#include "paper_plots.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>

#include "segpipe/report/internal/paper_experiments.h"

extern char** environ;

namespace segpipe::cli {
namespace {

namespace fs = std::filesystem;

// Runs a program with arguments (no shell, so paths need no quoting); returns its exit status,
// or -1 when it could not be started. `quiet` sends its output to /dev/null.
int RunProgram(const std::vector<std::string>& args, bool quiet) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (quiet) {
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  }
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return text;
}

}  // namespace

std::vector<std::string> DrawPaperFigures(const std::string& python, const std::string& plot_script,
                                          const std::string& binary_path,
                                          const std::string& out_dir,
                                          const std::vector<std::string>& figures,
                                          std::string* note) {
  const std::string script = report::FindFromRoot(
      plot_script.empty() ? "scripts/plot_paper.py" : plot_script, binary_path);
  if (script.empty()) {
    *note =
        "scripts/plot_paper.py was not found (run from the repository root or pass --plot-script)";
    return {};
  }
  const int probe = RunProgram({python, "-c", "import matplotlib"}, true);
  if (probe == -1 || probe == 127) {
    *note = fmt::format("the Python interpreter {} was not found or cannot be run (--python)",
                        python);
    return {};
  }
  if (probe != 0) {
    *note = fmt::format("{} cannot import matplotlib (Debian: python3-matplotlib)", python);
    return {};
  }
  std::string list;
  for (const std::string& f : figures) {
    if (!list.empty()) list += ',';
    list += f.substr(0, f.find('.'));
  }
  const int rc = RunProgram({python, script, "--dir", out_dir, "--figures", list}, false);
  if (rc != 0) {
    *note = fmt::format("{} failed (exit status {})", script, rc);
    return {};
  }
  std::vector<std::string> drawn;
  for (const std::string& f : figures)
    if (fs::exists(fs::path(out_dir) / f)) drawn.push_back(f);
  if (drawn.size() != figures.size()) *note = "the plot script left some figures out";
  return drawn;
}

std::string NativeHopSource(const std::string& binary_path) {
  const std::string path = report::FindFromRoot("docs/benchmarks.md", binary_path);
  if (path.empty()) return "";
  std::ifstream in(path);
  std::string line;
  bool in_pipeline = false;
  while (std::getline(in, line)) {
    if (line.rfind("#", 0) == 0) {
      in_pipeline = Lower(line).find("pipeline") != std::string::npos;
      continue;
    }
    if (!in_pipeline) continue;
    if (Lower(line).find("hop") != std::string::npos) {
      const size_t start = line.find_first_not_of(" -*|");
      return start == std::string::npos ? line : line.substr(start);
    }
  }
  return "";
}

}  // namespace segpipe::cli
