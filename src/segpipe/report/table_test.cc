// Table writers: CSV quoting, Markdown alignment and escaping, JSON types.
#include "segpipe/report/internal/table.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace segpipe::report {
namespace {

Table Sample() {
  Table t({"name", "count", "ms"});
  t.AddRow({"plain", 3, Cell(0.12345, 2)});
  t.AddRow({"with, comma \"quoted\"", -1, Cell(1.5)});
  return t;
}

TEST(TableTest, CsvQuotesFieldsWithCommasAndQuotes) {
  EXPECT_EQ(ToCsv(Sample()),
            "name,count,ms\n"
            "plain,3,0.12\n"
            "\"with, comma \"\"quoted\"\"\",-1,1.5\n");
}

TEST(TableTest, MarkdownRightAlignsNumericColumnsAndEscapesPipes) {
  Table t({"a|b", "n"});
  t.AddRow({"x|y", 1});
  t.AddRow({"z", Cell("")});  // an empty cell keeps a column numeric
  EXPECT_EQ(ToMarkdown(t),
            "| a\\|b | n |\n"
            "|---|---:|\n"
            "| x\\|y | 1 |\n"
            "| z |  |\n");
}

TEST(TableTest, JsonKeepsNumbersAsNumbersAndTextAsText) {
  const nlohmann::json j = ToJson(Sample());
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["name"], "plain");
  EXPECT_EQ(j[0]["count"], 3);
  EXPECT_DOUBLE_EQ(j[0]["ms"].get<double>(), 0.12345);  // full precision, not the 2 decimals
  EXPECT_TRUE(j[1]["count"].is_number_integer());
}

TEST(TableTest, JsonWritesNullForNotANumber) {
  Table t({"v"});
  t.AddRow({Cell(std::nan(""))});
  EXPECT_TRUE(ToJson(t)[0]["v"].is_null());
}

TEST(TableTest, ShortestCsvNumbersReadBackExactly) {
  Table t({"v"});
  const double value = 0.1 + 0.2;
  t.AddRow({Cell(value)});
  const std::string csv = ToCsv(t);
  EXPECT_EQ(std::stod(csv.substr(csv.find('\n') + 1)), value);
}

TEST(TableTest, WriteTextFileReportsAnUnwritablePath) {
  const Status status = WriteTextFile("/nonexistent-dir/x.csv", "a");
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("/nonexistent-dir/x.csv"), std::string::npos);
}

TEST(TableTest, WriteTextFileReplacesContent) {
  const std::string path =
      (std::filesystem::temp_directory_path() / "segpipe_table_test.txt").string();
  ASSERT_TRUE(WriteTextFile(path, "first, longer").ok());
  ASSERT_TRUE(WriteTextFile(path, "second").ok());
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "second");
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace segpipe::report
