// docs/cli.md embeds the flag reference that `segpipe help --markdown` generates from the CLI
// definitions; this test fails when a flag changed and the file was not regenerated
// (scripts/update-cli-docs.sh rewrites the section).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

namespace segpipe {
namespace {

constexpr char kBegin[] = "<!-- BEGIN segpipe help --markdown -->\n";
constexpr char kEnd[] = "<!-- END segpipe help --markdown -->";

TEST(CliDocsTest, FlagReferenceIsCurrent) {
  std::ifstream in(std::string(SEGPIPE_SOURCE_DIR) + "/docs/cli.md");
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t begin = doc.find(kBegin), end = doc.find(kEnd);
  ASSERT_NE(begin, std::string::npos) << "docs/cli.md lacks " << kBegin;
  ASSERT_NE(end, std::string::npos);
  const std::string committed =
      doc.substr(begin + sizeof(kBegin) - 1, end - begin - (sizeof(kBegin) - 1));

  FILE* pipe = popen((std::string("'") + SEGPIPE_CLI_PATH + "' help --markdown").c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string generated;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) generated.append(buffer, n);
  const int status = pclose(pipe);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(committed, generated)
      << "docs/cli.md is out of date: run scripts/update-cli-docs.sh build/segpipe";
}

}  // namespace
}  // namespace segpipe
