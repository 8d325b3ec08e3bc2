// The authors' measurement files (../shared/paper/measured/*.csv) as data, and the models we
// synthesize to stand for each row. Columns: size (n or f), MACs, on-chip MiB, off-chip MiB,
// time ms; the 2-TPU files hold per-segment lists ("[4.07, 4.07]") in the memory columns.
#ifndef SEGPIPE_PAPER_INTERNAL_PAPER_MEASUREMENTS_H_
#define SEGPIPE_PAPER_INTERNAL_PAPER_MEASUREMENTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "segpipe/core/status.h"

namespace segpipe {

struct PaperRow {
  int size = 0;                      // hidden neurons n (FC) or filters f (CONV)
  int64_t macs = 0;
  std::vector<double> on_chip_mib;   // one entry per segment
  std::vector<double> off_chip_mib;
  double time_ms = 0;                // per inference
};

enum class PaperFamily : uint8_t { kFc, kConv };

// One measurement file: which family, how many TPUs, batch size, rows.
struct PaperMeasurement {
  std::string file;  // e.g. "fc_2tpu_default_batch50.csv"
  PaperFamily family = PaperFamily::kFc;
  int num_tpus = 1;
  int batch = 1;
  std::vector<PaperRow> rows;
};

// Parses one file. Fails with the file and line on malformed content.
StatusOr<std::vector<PaperRow>> ReadPaperCsv(const std::string& path);

// The five Edge TPU files of `measured_dir` with their setups (single TPU: fc_1tpu, conv_1tpu;
// pipelines: fc_2tpu_default_batch1, fc_2tpu_default_batch50, conv_3tpu_default_batch100).
StatusOr<std::vector<PaperMeasurement>> LoadPaperMeasurements(const std::string& measured_dir);

}  // namespace segpipe

#endif  // SEGPIPE_PAPER_INTERNAL_PAPER_MEASUREMENTS_H_
