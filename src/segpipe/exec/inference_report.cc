// Latency summaries, digests, dequantized values and top-K classes (see inference_report.h).
#include "segpipe/exec/internal/inference_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

#include "segpipe/core/internal/file_io.h"

namespace segpipe {

LatencySummary SummarizeLatencies(std::vector<double> latencies_ms) {
  LatencySummary s;
  if (latencies_ms.empty()) return s;
  std::sort(latencies_ms.begin(), latencies_ms.end());
  const size_t n = latencies_ms.size();
  s.count = static_cast<int>(n);
  s.min_ms = latencies_ms.front();
  s.median_ms = n % 2 == 1 ? latencies_ms[n / 2] : (latencies_ms[n / 2 - 1] + latencies_ms[n / 2]) / 2;
  const size_t rank = static_cast<size_t>(std::ceil(0.99 * static_cast<double>(n)));
  s.p99_ms = latencies_ms[std::max<size_t>(rank, 1) - 1];
  return s;
}

std::string Digest(std::span<const uint8_t> bytes) {
  uint64_t h = 14695981039346656037ull;
  for (uint8_t b : bytes) {
    h ^= b;
    h *= 1099511628211ull;
  }
  return fmt::format("{:016x}", h);
}

double RealValue(const Tensor& tensor, std::span<const uint8_t> bytes, int64_t i) {
  const size_t at = static_cast<size_t>(i * DataTypeSize(tensor.type));
  SEGPIPE_CHECK(at + static_cast<size_t>(DataTypeSize(tensor.type)) <= bytes.size());
  const uint8_t* p = bytes.data() + at;
  double raw = 0;
  switch (tensor.type) {
    case DataType::kInt8: raw = static_cast<int8_t>(*p); break;
    case DataType::kUInt8: raw = *p; break;
    case DataType::kBool: raw = *p != 0; break;
    case DataType::kInt16: { int16_t v; std::memcpy(&v, p, 2); raw = v; break; }
    case DataType::kInt32: { int32_t v; std::memcpy(&v, p, 4); raw = v; break; }
    case DataType::kInt64: { int64_t v; std::memcpy(&v, p, 8); raw = static_cast<double>(v); break; }
    case DataType::kFloat32: { float v; std::memcpy(&v, p, 4); return v; }
  }
  if ((tensor.type == DataType::kInt8 || tensor.type == DataType::kUInt8) &&
      tensor.quant.scale.size() == 1 && tensor.quant.zero_point.size() == 1) {
    return static_cast<double>(tensor.quant.scale[0]) * (raw - static_cast<double>(tensor.quant.zero_point[0]));
  }
  return raw;
}

StatusOr<std::vector<ClassScore>> TopK(const Tensor& scores, std::span<const uint8_t> bytes, int k) {
  int64_t classes = scores.num_elements();
  if (scores.shape.size() > 2 || (scores.shape.size() == 2 && scores.shape[0] != 1) || classes <= 0) {
    return InvalidArgumentError(fmt::format("output '{}' of shape [{}] is not a score vector [1, classes]",
                                            scores.name, fmt::join(scores.shape, ", ")));
  }
  if (static_cast<int64_t>(bytes.size()) != scores.num_bytes()) {
    return InvalidArgumentError("score buffer size does not match its tensor");
  }
  std::vector<ClassScore> all;
  for (int64_t i = 0; i < classes; ++i) all.push_back({static_cast<int>(i), RealValue(scores, bytes, i)});
  const size_t keep = static_cast<size_t>(std::clamp<int64_t>(k, 0, classes));
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(keep), all.end(),
                    [](const ClassScore& a, const ClassScore& b) {
                      return a.score != b.score ? a.score > b.score : a.id < b.id;
                    });
  all.resize(keep);
  return all;
}

StatusOr<std::vector<std::string>> ReadLabels(const std::string& path) {
  SEGPIPE_ASSIGN_OR_RETURN(const std::vector<uint8_t> bytes,
                           ReadFileBytes(path, "label file", kMaxLabelFileBytes));
  std::istringstream in(std::string(bytes.begin(), bytes.end()));
  std::vector<std::string> labels;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    labels.push_back(line);
  }
  return labels;
}

}  // namespace segpipe
