// `segpipe paper --out DIR` appears all or not at all: a write that fails half way leaves DIR's
// files byte-identical and nothing new (no partial CSV, no staging folder); a missing
// measurements folder or Python interpreter is a warning on stderr, and the run goes on.
// Each case runs the paper's fig2 sweep (about 15 s of CPU): label slow.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "segpipe/core/status.h"

namespace segpipe {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct CliResult {
  int exit_code = -1;
  std::string out, err;
};

CliResult RunCli(const fs::path& dir, const std::string& env,
                 const std::vector<std::string>& args) {
  std::string cmd = env + " '" + SEGPIPE_CLI_PATH + "'";
  for (const std::string& a : args) cmd += " '" + a + "'";
  const fs::path out = dir / "stdout.txt", err = dir / "stderr.txt";
  cmd += " >'" + out.string() + "' 2>'" + err.string() + "' </dev/null";
  const int status = std::system(cmd.c_str());
  CliResult r;
  if (status != -1 && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  r.out = Slurp(out);
  r.err = Slurp(err);
  return r;
}

std::map<std::string, std::string> Snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    files[fs::relative(e.path(), dir).string()] = e.is_regular_file() ? Slurp(e.path()) : "<dir>";
  return files;
}

class CliPaperOutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(SEGPIPE_BINARY_DIR) / "cli_paper_out" / info->name();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  fs::path dir_;
};

TEST_F(CliPaperOutTest, FailedWriteLeavesTheFolderAsItWas) {
  const fs::path out = dir_ / "paper";
  fs::create_directories(out);
  std::ofstream(out / "fig2_fc.csv") << "an earlier run's table\n";
  std::ofstream(out / "notes.txt") << "the user's own file\n";
  const auto before = Snapshot(out);
  // The second CSV fails half way (the first is about 5 KiB).
  const CliResult r =
      RunCli(dir_, "SEGPIPE_FAIL_WRITES_AFTER_BYTES=7000",
             {"paper", "--experiment", "fig2", "--no-plots", "--out", out.string()});
  EXPECT_EQ(r.exit_code, ExitCodeFor(StatusCode::kWriteFailed)) << r.err;
  EXPECT_EQ(Snapshot(out), before);
  // A folder that did not exist is not left behind either.
  const fs::path fresh = dir_ / "fresh";
  const CliResult f =
      RunCli(dir_, "SEGPIPE_FAIL_WRITES_AFTER_BYTES=7000",
             {"paper", "--experiment", "fig2", "--no-plots", "--out", fresh.string()});
  EXPECT_EQ(f.exit_code, ExitCodeFor(StatusCode::kWriteFailed)) << f.err;
  EXPECT_FALSE(fs::exists(fresh));
}

TEST_F(CliPaperOutTest, MissingMeasurementsAndPythonAreWarnings) {
  const fs::path out = dir_ / "paper";
  const CliResult r = RunCli(dir_, "",
                             {"paper", "--experiment", "fig2", "--out", out.string(), "--measured",
                              "/no/such/dir", "--python", "/nonexistent/python3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("segpipe: warning: --measured /no/such/dir"));
  EXPECT_THAT(r.err, HasSubstr("no measured overlays"));
  EXPECT_THAT(r.err, HasSubstr("/nonexistent/python3 was not found or cannot be run"));
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("matplotlib")));
  const auto files = Snapshot(out);
  EXPECT_TRUE(files.count("fig2_fc.csv"));
  EXPECT_TRUE(files.count("report.md"));
  for (const auto& [name, unused] : files)
    EXPECT_EQ(name.find(".segpipe-paper"), std::string::npos);
}

}  // namespace
}  // namespace segpipe
