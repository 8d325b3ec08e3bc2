// Reader for the authors' measurement CSVs; see paper_measurements.h.
#include "segpipe/paper/internal/paper_measurements.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace segpipe {
namespace {

// Splits a CSV line on commas outside double quotes.
std::vector<std::string> SplitCsv(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      fields.emplace_back();
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  return fields;
}

bool ParseDouble(const std::string& text, double* value) {
  std::istringstream in(text);
  in >> *value;
  return !in.fail();
}

// "0.5" or "[0.1, 0.2]".
bool ParseList(std::string text, std::vector<double>* values) {
  for (char& c : text)
    if (c == '[' || c == ']' || c == ',') c = ' ';
  std::istringstream in(text);
  double v;
  while (in >> v) values->push_back(v);
  return !values->empty() && in.eof();
}

}  // namespace

StatusOr<std::vector<PaperRow>> ReadPaperCsv(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFoundError(fmt::format("{}: cannot open", path));
  std::string line;
  std::getline(in, line);  // header
  std::vector<PaperRow> rows;
  int line_number = 1;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.empty() || line == "\r") continue;
    const std::vector<std::string> f = SplitCsv(line);
    PaperRow row;
    double size = 0, macs = 0;
    bool ok = (f.size() == 5 || f.size() == 3) && ParseDouble(f[0], &size) &&
              ParseDouble(f[1], &macs) && ParseDouble(f.back(), &row.time_ms);
    if (ok && f.size() == 5)
      ok = ParseList(f[2], &row.on_chip_mib) && ParseList(f[3], &row.off_chip_mib) &&
           row.on_chip_mib.size() == row.off_chip_mib.size();
    if (!ok) return DataLossError(fmt::format("{}:{}: malformed row '{}'", path, line_number, line));
    row.size = static_cast<int>(size);
    row.macs = static_cast<int64_t>(macs);
    rows.push_back(std::move(row));
  }
  return rows;
}

StatusOr<std::vector<PaperMeasurement>> LoadPaperMeasurements(const std::string& measured_dir) {
  struct Setup {
    const char* file;
    PaperFamily family;
    int num_tpus;
    int batch;
  };
  const Setup setups[] = {{"fc_1tpu.csv", PaperFamily::kFc, 1, 1},
                          {"conv_1tpu.csv", PaperFamily::kConv, 1, 1},
                          {"fc_2tpu_default_batch1.csv", PaperFamily::kFc, 2, 1},
                          {"fc_2tpu_default_batch50.csv", PaperFamily::kFc, 2, 50},
                          {"conv_3tpu_default_batch100.csv", PaperFamily::kConv, 3, 100}};
  std::vector<PaperMeasurement> out;
  for (const Setup& s : setups) {
    PaperMeasurement m;
    m.file = s.file;
    m.family = s.family;
    m.num_tpus = s.num_tpus;
    m.batch = s.batch;
    SEGPIPE_ASSIGN_OR_RETURN(m.rows, ReadPaperCsv(measured_dir + "/" + s.file));
    for (const PaperRow& row : m.rows)
      if (static_cast<int>(row.on_chip_mib.size()) != s.num_tpus)
        return DataLossError(fmt::format("{}: row {} has {} segments, expected {}", s.file,
                                         row.size, row.on_chip_mib.size(), s.num_tpus));
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace segpipe
