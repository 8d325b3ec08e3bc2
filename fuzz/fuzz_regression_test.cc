// Replays every committed fuzzer finding (fuzz/regressions/<target>/*) through the fuzz target
// bodies, in every build (the release, ASan+UBSan and TSan builds run it like any unit test).
// A regression shows up as a crash, a sanitizer report or a failed CHECK in this test.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fuzz_targets.h"

namespace segpipe::fuzz {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> Findings(const std::string& target) {
  const fs::path dir = fs::path(SEGPIPE_SOURCE_DIR) / "fuzz" / "regressions" / target;
  std::vector<fs::path> files;
  if (!fs::is_directory(dir)) return files;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file() && entry.path().filename().string()[0] != '.')
      files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<uint8_t> Bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(FuzzRegressionTest, RegressionFoldersExist) {
  const fs::path root = fs::path(SEGPIPE_SOURCE_DIR) / "fuzz" / "regressions";
  EXPECT_TRUE(fs::is_directory(root / "reader"));
  EXPECT_TRUE(fs::is_directory(root / "exec"));
}

// Reader findings also go through the exec target and vice versa: both start by reading.
TEST(FuzzRegressionTest, ReaderFindingsNoLongerCrash) {
  for (const fs::path& file : Findings("reader")) {
    SCOPED_TRACE(file.filename().string());
    const std::vector<uint8_t> bytes = Bytes(file);
    FuzzTfliteReader(bytes);
    FuzzTfliteExec(bytes);
  }
}

TEST(FuzzRegressionTest, ExecFindingsNoLongerCrash) {
  for (const fs::path& file : Findings("exec")) {
    SCOPED_TRACE(file.filename().string());
    const std::vector<uint8_t> bytes = Bytes(file);
    FuzzTfliteExec(bytes);
    FuzzTfliteReader(bytes);
  }
}

}  // namespace
}  // namespace segpipe::fuzz
