// Tables of results and the writers every tool shares: CSV (for plotting scripts and
// spreadsheets), JSON (for programs) and Markdown (for reports people read).
//
//   Table t({"n", "time_ms"});
//   t.AddRow({Cell(100), Cell(0.113, 3)});
//   SEGPIPE_RETURN_IF_ERROR(WriteTextFile("out/fc.csv", ToCsv(t)));
//
// A cell keeps its value and how it prints, so the same row gives "0.113" in Markdown and CSV
// and a number in JSON. Tables are plain values; functions are pure and thread-safe.
#ifndef SEGPIPE_REPORT_INTERNAL_TABLE_H_
#define SEGPIPE_REPORT_INTERNAL_TABLE_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "segpipe/core/status.h"

namespace segpipe::report {

// One value: text, an integer or a number printed with a fixed number of decimals.
class Cell {
 public:
  Cell() = default;
  Cell(std::string text);  // NOLINT: cells are built from values all over
  Cell(const char* text);  // NOLINT
  Cell(int64_t value);     // NOLINT
  Cell(int value) : Cell(static_cast<int64_t>(value)) {}  // NOLINT
  // `decimals` < 0 prints the shortest text that reads back as the same double (for CSV data).
  Cell(double value, int decimals = -1);  // NOLINT

  bool is_number() const { return kind_ != Kind::kText; }
  double number() const { return number_; }
  const std::string& text() const { return text_; }  // formatted
  nlohmann::json ToJson() const;

 private:
  enum class Kind { kText, kInteger, kNumber };
  Kind kind_ = Kind::kText;
  double number_ = 0;
  int64_t integer_ = 0;
  std::string text_;
};

class Table {
 public:
  Table() = default;
  explicit Table(std::vector<std::string> columns) : columns_(std::move(columns)) {}

  // Checks the row has one cell per column (a bug otherwise).
  void AddRow(std::vector<Cell> row);

  const std::vector<std::string>& columns() const { return columns_; }
  const std::vector<std::vector<Cell>>& rows() const { return rows_; }
  bool empty() const { return rows_.empty(); }

 private:
  std::vector<std::string> columns_;
  std::vector<std::vector<Cell>> rows_;
};

// RFC 4180: header line, one line per row, fields with a comma, quote or newline quoted.
std::string ToCsv(const Table& table);
// An array of objects keyed by column name; numbers stay numbers.
nlohmann::json ToJson(const Table& table);
// A GitHub-flavoured Markdown table; numeric columns right-aligned, '|' in text escaped.
std::string ToMarkdown(const Table& table);

// Writes `text` to `path` (replacing it). Fails with the path when the file cannot be written.
Status WriteTextFile(const std::string& path, std::string_view text);

}  // namespace segpipe::report

#endif  // SEGPIPE_REPORT_INTERNAL_TABLE_H_
