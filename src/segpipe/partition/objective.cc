// Objective parsing and evaluation.
#include "segpipe/partition/internal/objective.h"

#include <algorithm>
#include <charconv>
#include <vector>

#include <fmt/format.h>

namespace segpipe {

StatusOr<Objective> ParseObjective(std::string_view text) {
  if (text == "throughput") return Objective::Throughput();
  if (text == "latency") return Objective::Latency();
  constexpr std::string_view kBatch = "batch:";
  if (text.starts_with(kBatch)) {
    std::string_view n = text.substr(kBatch.size());
    int b = 0;
    auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), b);
    if (ec == std::errc() && end == n.data() + n.size() && b >= 1 && b <= 1000000)
      return Objective::Batch(b);
  }
  return InvalidArgumentError(fmt::format(
      "objective '{}' is not one of throughput, latency, batch:B (B a positive batch size)",
      text));
}

std::string ObjectiveName(const Objective& objective) {
  switch (objective.kind) {
    case Objective::Kind::kThroughput:
      return "throughput";
    case Objective::Kind::kLatency:
      return "latency";
    case Objective::Kind::kBatch:
      return fmt::format("batch:{}", objective.batch_size);
  }
  return "?";
}

PipelineTime ObjectivePipelineTime(const Objective& objective, std::span<const double> stage_ms,
                                   std::span<const int> replicas) {
  std::vector<PipelineStageTime> stages;
  stages.reserve(stage_ms.size());
  for (size_t k = 0; k < stage_ms.size(); ++k)
    stages.push_back({.time = stage_ms[k], .replicas = k < replicas.size() ? replicas[k] : 1});
  return EstimatePipelineTime(stages, {.serialized_per_stage = objective.serialized_host_ms_per_stage,
                                       .fixed = objective.fixed_ms});
}

double ObjectiveValue(const Objective& objective, std::span<const double> stage_ms,
                      std::span<const int> replicas) {
  return ObjectiveValueOf(objective, ObjectivePipelineTime(objective, stage_ms, replicas));
}

double TimePerInferenceMs(const Objective& objective, std::span<const double> stage_ms,
                          std::span<const int> replicas) {
  return TimePerInferenceOf(objective, ObjectivePipelineTime(objective, stage_ms, replicas));
}

double ObjectiveValueOf(const Objective& objective, const PipelineTime& t) {
  switch (objective.kind) {
    case Objective::Kind::kThroughput:
      return t.period;
    case Objective::Kind::kLatency:
      return t.latency;
    case Objective::Kind::kBatch:
      return t.BatchWall(objective.batch_size);
  }
  return t.period;
}

double TimePerInferenceOf(const Objective& objective, const PipelineTime& time) {
  const double value = ObjectiveValueOf(objective, time);
  return objective.kind == Objective::Kind::kBatch ? value / objective.batch_size : value;
}

}  // namespace segpipe
