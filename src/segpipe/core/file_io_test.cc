#include "segpipe/core/internal/file_io.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace segpipe {
namespace {

namespace fs = std::filesystem;

class FileIoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           fmt::format("segpipe_file_io_{}_{}", ::getpid(),
                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    SetWriteFaultAfterBytesForTesting(-1);
    fs::remove_all(dir_);
  }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  static std::string Slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  // Every entry of the scratch folder, to check that no temporary file is left.
  int Entries() const { return static_cast<int>(std::distance(fs::directory_iterator(dir_), {})); }
  fs::path dir_;
};

TEST_F(FileIoTest, WritesAndReplaces) {
  ASSERT_TRUE(WriteFileAtomically(Path("a.txt"), std::string_view("first")).ok());
  ASSERT_TRUE(WriteFileAtomically(Path("a.txt"), std::string_view("second")).ok());
  EXPECT_EQ(Slurp(Path("a.txt")), "second");
  EXPECT_EQ(Entries(), 1);
}

TEST_F(FileIoTest, InjectedWriteErrorLeavesTheOldFileAndNoTemporary) {
  const std::string old(10000, 'x');
  ASSERT_TRUE(WriteFileAtomically(Path("model.tflite"), std::string_view(old)).ok());
  SetWriteFaultAfterBytesForTesting(4096);
  const Status s =
      WriteFileAtomically(Path("model.tflite"), std::string_view(std::string(20000, 'y')));
  EXPECT_EQ(s.code(), StatusCode::kWriteFailed);
  EXPECT_NE(s.message().find("No space left"), std::string::npos) << s.message();
  EXPECT_EQ(Slurp(Path("model.tflite")), old);
  EXPECT_EQ(Entries(), 1);
}

TEST_F(FileIoTest, FileSetAppearsAllOrNothing) {
  ASSERT_TRUE(WriteFileAtomically(Path("seg0"), std::string_view("old0")).ok());
  {
    FileSetWriter set;
    ASSERT_TRUE(set.Add(Path("seg0"), std::string_view("new0")).ok());
    SetWriteFaultAfterBytesForTesting(2);
    EXPECT_EQ(set.Add(Path("seg1"), std::string_view("new1")).code(), StatusCode::kWriteFailed);
  }  // dropped without Commit
  EXPECT_EQ(Slurp(Path("seg0")), "old0");
  EXPECT_FALSE(fs::exists(Path("seg1")));
  EXPECT_EQ(Entries(), 1);

  SetWriteFaultAfterBytesForTesting(-1);
  FileSetWriter set;
  ASSERT_TRUE(set.Add(Path("seg0"), std::string_view("new0")).ok());
  ASSERT_TRUE(set.Add(Path("seg1"), std::string_view("new1")).ok());
  ASSERT_TRUE(set.Commit().ok());
  EXPECT_EQ(Slurp(Path("seg0")), "new0");
  EXPECT_EQ(Slurp(Path("seg1")), "new1");
  EXPECT_EQ(Entries(), 2);
}

TEST_F(FileIoTest, MissingFolderIsAWriteFailure) {
  const Status s = WriteFileAtomically(Path("no/such/dir/x"), std::string_view("x"));
  EXPECT_EQ(s.code(), StatusCode::kWriteFailed);
  EXPECT_NE(s.message().find("does not exist"), std::string::npos) << s.message();
  EXPECT_EQ(ExitCodeFor(s.code()), 73);
}

TEST_F(FileIoTest, ReadRefusesDirectoriesDevicesAndOversizedFiles) {
  EXPECT_EQ(ReadFileBytes(dir_.string(), "model file").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(ReadFileBytes("/dev/zero", "model file").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(ReadFileBytes(Path("none"), "model file").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(WriteFileAtomically(Path("big"), std::string_view(std::string(100, 'z'))).ok());
  EXPECT_EQ(ReadFileBytes(Path("big"), "label file", 99).status().code(),
            StatusCode::kResourceExhausted);
  StatusOr<std::vector<uint8_t>> bytes = ReadFileBytes(Path("big"), "label file", 100);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(bytes->size(), 100u);
}

TEST_F(FileIoTest, OutputThatIsAnInputIsRefused) {
  ASSERT_TRUE(WriteFileAtomically(Path("m.tflite"), std::string_view("m")).ok());
  const std::string same = (dir_ / "." / "m.tflite").string();
  EXPECT_EQ(CheckOutputIsNotAnInput(same, "-o", {Path("m.tflite")}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(CheckOutputIsNotAnInput(Path("other"), "-o", {Path("m.tflite")}).ok());
}

}  // namespace
}  // namespace segpipe
