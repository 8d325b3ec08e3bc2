// Table writers: CSV, JSON and Markdown.
#include "segpipe/report/internal/table.h"

#include <fmt/format.h>

#include "segpipe/core/internal/file_io.h"

namespace segpipe::report {
namespace {

std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted(1, '"');
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

std::string MarkdownText(const std::string& text) {
  std::string escaped;
  for (char c : text) {
    if (c == '|') escaped += '\\';
    escaped += c == '\n' ? ' ' : c;
  }
  return escaped;
}

}  // namespace

Cell::Cell(std::string text) : text_(std::move(text)) {}
Cell::Cell(const char* text) : text_(text) {}
Cell::Cell(int64_t value)
    : kind_(Kind::kInteger),
      number_(static_cast<double>(value)),
      integer_(value),
      text_(fmt::format("{}", value)) {}
Cell::Cell(double value, int decimals) : kind_(Kind::kNumber), number_(value) {
  text_ = decimals < 0 ? fmt::format("{}", value) : fmt::format("{:.{}f}", value, decimals);
}

nlohmann::json Cell::ToJson() const {
  switch (kind_) {
    case Kind::kText:
      return text_;
    case Kind::kInteger:
      return integer_;
    case Kind::kNumber:
      // JSON has no NaN or infinity; null says "no value".
      if (number_ != number_ || number_ - number_ != 0) return nullptr;
      return number_;
  }
  return nullptr;
}

void Table::AddRow(std::vector<Cell> row) {
  SEGPIPE_CHECK(row.size() == columns_.size());
  rows_.push_back(std::move(row));
}

std::string ToCsv(const Table& table) {
  std::string out;
  for (size_t c = 0; c < table.columns().size(); ++c) {
    if (c) out += ',';
    out += CsvField(table.columns()[c]);
  }
  out += '\n';
  for (const auto& row : table.rows()) {
    for (size_t c = 0; c < row.size(); ++c) {
      if (c) out += ',';
      out += CsvField(row[c].text());
    }
    out += '\n';
  }
  return out;
}

nlohmann::json ToJson(const Table& table) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : table.rows()) {
    nlohmann::json object = nlohmann::json::object();
    for (size_t c = 0; c < row.size(); ++c) object[table.columns()[c]] = row[c].ToJson();
    rows.push_back(std::move(object));
  }
  return rows;
}

std::string ToMarkdown(const Table& table) {
  const size_t n = table.columns().size();
  // A column is numeric when every non-empty cell is a number.
  std::vector<bool> numeric(n, true);
  for (const auto& row : table.rows())
    for (size_t c = 0; c < n; ++c)
      if (!row[c].is_number() && !row[c].text().empty()) numeric[c] = false;
  std::string out = "|";
  for (const std::string& column : table.columns()) {
    out += ' ';
    out += MarkdownText(column);
    out += " |";
  }
  out += "\n|";
  for (size_t c = 0; c < n; ++c) out += numeric[c] && !table.empty() ? "---:|" : "---|";
  out += '\n';
  for (const auto& row : table.rows()) {
    out += "|";
    for (const Cell& cell : row) {
      out += ' ';
      out += MarkdownText(cell.text());
      out += " |";
    }
    out += '\n';
  }
  return out;
}

Status WriteTextFile(const std::string& path, std::string_view text) {
  return WriteFileAtomically(path, text);
}

}  // namespace segpipe::report
