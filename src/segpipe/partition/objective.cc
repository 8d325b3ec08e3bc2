// Objective parsing and evaluation.
#include "segpipe/partition/objective.h"

#include <algorithm>
#include <charconv>

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

double ObjectiveValue(const Objective& objective, std::span<const double> stage_ms) {
  double sum = 0, max = 0;
  for (double t : stage_ms) {
    sum += t;
    max = std::max(max, t);
  }
  max = std::max(max, static_cast<double>(stage_ms.size()) * objective.serialized_host_ms_per_stage);
  switch (objective.kind) {
    case Objective::Kind::kThroughput:
      return max;
    case Objective::Kind::kLatency:
      return sum;
    case Objective::Kind::kBatch:
      return sum + (objective.batch_size - 1) * max;
  }
  return max;
}

double TimePerInferenceMs(const Objective& objective, std::span<const double> stage_ms) {
  const double value = ObjectiveValue(objective, stage_ms);
  return objective.kind == Objective::Kind::kBatch ? value / objective.batch_size : value;
}

}  // namespace segpipe
