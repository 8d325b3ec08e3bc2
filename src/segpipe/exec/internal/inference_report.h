// What tools report about inferences: latency summaries, output digests and dequantized
// values, and top-K classes of a classifier's score tensor.
//
// Pure functions over buffers the Executor hands out; nothing here runs a model.
#ifndef SEGPIPE_EXEC_INTERNAL_INFERENCE_REPORT_H_
#define SEGPIPE_EXEC_INTERNAL_INFERENCE_REPORT_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "segpipe/core/status.h"
#include "segpipe/model/model.h"

namespace segpipe {

struct LatencySummary {
  double min_ms = 0;
  double median_ms = 0;
  double p99_ms = 0;  // nearest-rank 99th percentile
  int count = 0;
};
LatencySummary SummarizeLatencies(std::vector<double> latencies_ms);

// FNV-1a 64-bit hash of the bytes, as 16 hex digits: a short fingerprint to compare runs.
std::string Digest(std::span<const uint8_t> bytes);

// Element i of a tensor's buffer as a real number: dequantized for int8/uint8 with per-tensor
// quantization, the raw value otherwise (float32, int32, int64, ...).
double RealValue(const Tensor& tensor, std::span<const uint8_t> bytes, int64_t i);

struct ClassScore {
  int id = 0;
  double score = 0;  // dequantized
};

// The k highest-scoring classes of `scores` (a [1, N] or [N] tensor of any numeric type),
// highest first; ties go to the lower id.
StatusOr<std::vector<ClassScore>> TopK(const Tensor& scores, std::span<const uint8_t> bytes, int k);

// Reads a label file: line i (0-based) names class i; trailing "\r" is dropped.
// The largest label file ReadLabels reads (a label per line; ImageNet's is 10 KiB).
inline constexpr int64_t kMaxLabelFileBytes = int64_t{64} << 20;
StatusOr<std::vector<std::string>> ReadLabels(const std::string& path);

}  // namespace segpipe

#endif  // SEGPIPE_EXEC_INTERNAL_INFERENCE_REPORT_H_
