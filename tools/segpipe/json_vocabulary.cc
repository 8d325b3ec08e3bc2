// JSON of the CLI's outputs in one vocabulary (see json_vocabulary.h).
#include "json_vocabulary.h"

#include <fmt/format.h>

#include "cli_common.h"

namespace segpipe::cli {

nlohmann::ordered_json StageJson(const StageFields& s) {
  nlohmann::ordered_json j;
  j["index"] = s.index;
  j["first_op"] = s.first_op;
  j["last_op"] = s.last_op;
  j["layers"] = {s.first_layer, s.last_layer};
  j["device"] = s.device;
  j["stage_ms"] = s.stage_ms;
  if (s.on_chip_bytes) j["on_chip_bytes"] = *s.on_chip_bytes;
  if (s.off_chip_bytes) j["off_chip_bytes"] = *s.off_chip_bytes;
  return j;
}

nlohmann::ordered_json LatencyJson(const Latencies& l) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  if (l.p50) j["p50"] = *l.p50;
  if (l.p90) j["p90"] = *l.p90;
  if (l.p99) j["p99"] = *l.p99;
  if (l.max) j["max"] = *l.max;
  return j;
}

std::string RunStageDeviceName(const RunReport& report, size_t stage) {
  const DeviceKind kind = report.stages[stage].kind;
  int ordinal = 0;
  for (size_t k = 0; k < stage; ++k) ordinal += report.stages[k].kind == kind ? 1 : 0;
  return fmt::format("{}:{}", DeviceKindName(kind), ordinal);
}

nlohmann::ordered_json PipelineRunJson(const RunReport& report, const std::string& model_path,
                                       const std::string& devices, const std::string& split) {
  nlohmann::ordered_json j = JsonHeader(model_path);
  j["devices"] = devices;
  j["split"] = split;
  j["simulated"] = report.simulated;
  j["batch"] = report.batch;
  j["host_profile"] = report.host_profile;
  j["time_per_inference_ms"] = report.time_per_inference_ms;
  j["throughput_per_s"] = report.throughput_per_s;
  j["latency_ms"] = LatencyJson(
      {report.latency_p50_ms, report.latency_p90_ms, report.latency_p99_ms, report.latency_max_ms});
  if (!report.simulated)
    j["pacing_max_error_us"] = static_cast<double>(report.pacing_max_error_ns) / 1e3;
  j["stages"] = nlohmann::ordered_json::array();
  for (size_t k = 0; k < report.stages.size(); ++k) {
    const StageReport& s = report.stages[k];
    StageFields f;
    f.index = static_cast<int>(k) + 1;
    f.first_op = s.first_op;
    f.last_op = s.last_op;
    f.first_layer = s.first_layer;
    f.last_layer = s.last_layer;
    f.device = RunStageDeviceName(report, k);
    f.stage_ms = s.service_ms;
    if (IsEdgeTpu(s.kind)) {
      f.on_chip_bytes = s.on_chip_bytes;
      f.off_chip_bytes = s.off_chip_bytes;
    }
    nlohmann::ordered_json st = StageJson(f);
    st["description"] = s.device;
    st["utilisation"] = s.utilisation;
    j["stages"].push_back(std::move(st));
  }
  if (!report.links.empty()) j["links"] = nlohmann::ordered_json(PlanLinksJson(report.links));
  return j;
}

}  // namespace segpipe::cli
