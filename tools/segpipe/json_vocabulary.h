// The one vocabulary of every `segpipe ... --json` output (docs/json/ holds the schemas):
//  - the object starts with `model` (the path given) and `segpipe_version` (JsonHeader);
//  - a stage or segment is {"index" (from 1, as printed), "first_op", "last_op",
//    "layers": [first, last] (1-based, inclusive), "device" ("edgetpu:0", "cpu:1"),
//    "stage_ms", and for Edge TPU stages "on_chip_bytes", "off_chip_bytes"};
//  - latencies are "latency_ms": {"p50", "p90", "p99", "max"} (those known), throughput is
//    "time_per_inference_ms" and "throughput_per_s".
#ifndef SEGPIPE_TOOLS_SEGPIPE_JSON_VOCABULARY_H_
#define SEGPIPE_TOOLS_SEGPIPE_JSON_VOCABULARY_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "segpipe/pipeline/internal/run.h"

namespace segpipe::cli {

struct StageFields {
  int index = 1;  // 1-based
  int first_op = 0, last_op = 0;
  int first_layer = 0, last_layer = 0;  // 1-based
  std::string device;                   // "edgetpu:0", "cpu:1"
  double stage_ms = 0;
  std::optional<int64_t> on_chip_bytes, off_chip_bytes;  // Edge TPU stages only
};

nlohmann::ordered_json StageJson(const StageFields& stage);

struct Latencies {
  std::optional<double> p50, p90, p99, max;
};
nlohmann::ordered_json LatencyJson(const Latencies& latency);

// Stage devices of a pipeline run named like plan files: the i-th Edge TPU is "edgetpu:i".
std::string RunStageDeviceName(const RunReport& report, size_t stage);

// A pipelined `segpipe run` as JSON in this vocabulary.
nlohmann::ordered_json PipelineRunJson(const RunReport& report, const std::string& model_path,
                                       const std::string& devices, const std::string& split);

}  // namespace segpipe::cli

#endif  // SEGPIPE_TOOLS_SEGPIPE_JSON_VOCABULARY_H_
