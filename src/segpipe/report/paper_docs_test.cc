// The committed generated docs are what the commands produce: `segpipe paper --experiment all
// --host-profile both --out docs/paper` regenerated into a temporary directory matches
// docs/paper/ byte for byte. Text outputs only (report.md, CSV, JSON): PNG bytes depend on the
// matplotlib and FreeType builds that draw them, while every number a figure shows is in a CSV
// compared here. (docs/edgetpu-model.md is compared by edgetpu_calibration_published_test.)
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <fmt/format.h>

namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool IsText(const fs::path& path) {
  const std::string ext = path.extension().string();
  return ext == ".md" || ext == ".csv" || ext == ".json";
}

std::set<std::string> TextFiles(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file() && IsText(entry.path())) names.insert(entry.path().filename());
  return names;
}

TEST(PaperDocsTest, RegeneratedDocsMatchTheCommittedOnesByteForByte) {
  // report.md says whether each figure was drawn, so the run needs the plotting Python.
  if (std::system("/usr/bin/python3 -c 'import matplotlib' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "matplotlib is not installed (scripts/install-deps.sh installs it)";
  const fs::path work = fs::temp_directory_path() / fmt::format("segpipe_paper_docs_{}", getpid());
  fs::remove_all(work);
  fs::create_directories(work / "docs");
  // Run from a scratch directory with the same relative --out as the documented command, so
  // the command line the report quotes is the same.
  const std::string command = fmt::format(
      "cd '{}' && '{}' paper --experiment all --host-profile both --out docs/paper >/dev/null",
      work.string(), SEGPIPE_CLI_PATH);
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  const fs::path committed = fs::path(SEGPIPE_SOURCE_DIR) / "docs" / "paper";
  const fs::path fresh = work / "docs" / "paper";
  EXPECT_EQ(TextFiles(committed), TextFiles(fresh));
  for (const std::string& name : TextFiles(committed)) {
    if (!fs::exists(fresh / name)) continue;
    EXPECT_TRUE(ReadFile(committed / name) == ReadFile(fresh / name))
        << "docs/paper/" << name << " differs from a fresh run: rerun segpipe paper "
        << "--experiment all --host-profile both --out docs/paper";
  }
  fs::remove_all(work);
}

}  // namespace
