// Plan file reading and writing; see plan_file.h. Parsing never throws: nlohmann::json is used
// in its non-throwing mode and every field is type-checked before use.
#include "segpipe/partition/internal/plan_file.h"

#include <fmt/format.h>

#include "segpipe/core/internal/file_io.h"
#include "segpipe/core/internal/sha256.h"

namespace segpipe {
namespace {

constexpr std::string_view kFormat = "segpipe-plan";
constexpr int kVersion = 1;
constexpr int64_t kMaxPlanFileBytes = int64_t{64} << 20;

Status FieldError(size_t segment, std::string_view field) {
  return InvalidArgumentError(fmt::format(
      "plan segment {}: field '{}' is missing or not a non-negative integer", segment, field));
}

}  // namespace

nlohmann::json PlanLinksJson(std::span<const PlanLink> links) {
  nlohmann::json out = nlohmann::json::array();
  for (const PlanLink& l : links)
    out.push_back({{"from", l.from},
                   {"to", l.to},
                   {"after_stage", l.after_stage},
                   {"bytes", l.bytes},
                   {"wire_ms", l.wire_ms},
                   {"transfer_ms", l.transfer_ms},
                   {"source", l.source}});
  return out;
}

nlohmann::json PlanToJson(const Plan& plan, int num_ops) {
  nlohmann::json j;
  j["format"] = kFormat;
  j["version"] = kVersion;
  j["strategy"] = StrategyName(plan.strategy);
  j["objective"] = ObjectiveName(plan.objective);
  j["profile"] = plan.profile;
  j["num_ops"] = num_ops;
  j["num_layers"] = plan.num_layers;
  std::vector<StageDevice> devices;
  for (const Segment& s : plan.partition.segments)
    for (int r = 0; r < s.replicas; ++r) devices.push_back(s.device);
  j["devices"] = FormatStageDevices(devices);
  nlohmann::json segments = nlohmann::json::array();
  for (size_t k = 0; k < plan.partition.segments.size(); ++k) {
    const Segment& s = plan.partition.segments[k];
    const SegmentProfile& p = plan.segments[k];
    nlohmann::json seg = {{"first_op", s.first_op},
                          {"last_op", s.last_op},
                          {"device", DeviceName(s.device)},
                          {"replicas", s.replicas},
                          {"stage_ms", p.stage_ms}};
    // Parameter placement is an Edge TPU notion: CPU stages have no on-chip/off-chip bytes.
    if (IsEdgeTpu(s.device.kind)) {
      seg["on_chip_bytes"] = p.on_chip_bytes;
      seg["off_chip_bytes"] = p.off_chip_bytes;
    }
    segments.push_back(std::move(seg));
  }
  j["segments"] = std::move(segments);
  j["objective_value"] = plan.objective_value;
  j["time_per_inference_ms"] = plan.time_per_inference_ms;
  j["period_ms"] = plan.period_ms;
  if (plan.pipeline_time_ms >= 0) j["pipeline_time_ms"] = plan.pipeline_time_ms;
  j["profiles_taken"] = plan.profiles_taken;
  j["pipeline_runs"] = plan.pipeline_runs;
  j["exhaustive_count"] = plan.exhaustive_count;
  if (!plan.auto_options.empty()) {
    nlohmann::json rows = nlohmann::json::array();
    for (const AutoOption& o : plan.auto_options)
      rows.push_back({{"devices_used", o.devices_used},
                      {"replicated", o.replicated},
                      {"layout", o.layout},
                      {"time_per_inference_ms", o.time_per_inference_ms},
                      {"throughput_per_s", o.throughput_per_s},
                      {"efficiency", o.efficiency},
                      {"chosen", o.chosen}});
    j["auto_options"] = std::move(rows);
  }
  // Informational, like the times: a plan is loaded from its segments, whose devices carry
  // their hosts.
  if (!plan.links.empty()) j["links"] = PlanLinksJson(plan.links);
  if (plan.replication_off_for_hosts) j["replication_off_for_hosts"] = true;
  return j;
}

StatusOr<LoadedPlan> ParsePlanJson(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return DataLossError("plan file is not valid JSON (expected an object)");
  auto format = j.find("format");
  if (format == j.end() || !format->is_string() || format->get<std::string>() != kFormat)
    return InvalidArgumentError(
        fmt::format("not a plan file: field 'format' must be \"{}\"", kFormat));
  auto version = j.find("version");
  if (version == j.end() || !version->is_number_integer() || version->get<int>() != kVersion)
    return InvalidArgumentError(
        fmt::format("plan file version not supported (expected {})", kVersion));
  LoadedPlan plan;
  auto num_ops = j.find("num_ops");
  if (num_ops == j.end() || !num_ops->is_number_unsigned())
    return InvalidArgumentError("plan file: field 'num_ops' is missing or not an integer");
  if (num_ops->get<uint64_t>() > 10'000'000)
    return InvalidArgumentError("plan file: 'num_ops' is implausibly large");
  plan.num_ops = num_ops->get<int>();
  if (auto s = j.find("strategy"); s != j.end() && s->is_string())
    plan.strategy = s->get<std::string>();
  if (auto m = j.find("model"); m != j.end() && m->is_string())
    plan.model_path = m->get<std::string>();
  if (auto h = j.find("model_sha256"); h != j.end()) {
    if (!h->is_string() || h->get<std::string>().size() != 64)
      return InvalidArgumentError("plan file: 'model_sha256' must be 64 hex digits");
    plan.model_sha256 = h->get<std::string>();
  }
  auto segments = j.find("segments");
  if (segments == j.end() || !segments->is_array() || segments->empty())
    return InvalidArgumentError("plan file: 'segments' must be a non-empty array");
  for (size_t k = 0; k < segments->size(); ++k) {
    const nlohmann::json& s = (*segments)[k];
    if (!s.is_object()) return InvalidArgumentError(fmt::format("plan segment {} is not an object", k));
    Segment seg;
    for (auto [field, out] : {std::pair<const char*, int*>{"first_op", &seg.first_op},
                              {"last_op", &seg.last_op}}) {
      auto it = s.find(field);
      if (it == s.end() || !it->is_number_unsigned() || it->get<uint64_t>() > 10'000'000)
        return FieldError(k, field);
      *out = it->get<int>();
    }
    if (auto it = s.find("replicas"); it != s.end()) {
      if (!it->is_number_unsigned() || it->get<uint64_t>() < 1 || it->get<uint64_t>() > 64)
        return InvalidArgumentError(
            fmt::format("plan segment {}: 'replicas' must be an integer in 1..64", k));
      seg.replicas = it->get<int>();
    }
    auto device = s.find("device");
    if (device == s.end() || !device->is_string())
      return InvalidArgumentError(
          fmt::format("plan segment {}: field 'device' (e.g. \"edgetpu:0\") is missing", k));
    SEGPIPE_ASSIGN_OR_RETURN(seg.device, ParseDeviceName(device->get<std::string>()));
    plan.partition.segments.push_back(seg);
  }
  SEGPIPE_RETURN_IF_ERROR(ValidatePartition(plan.partition, plan.num_ops));
  return plan;
}

StatusOr<LoadedPlan> LoadPlanFile(const std::string& path) {
  StatusOr<std::vector<uint8_t>> bytes = ReadFileBytes(path, "plan file", kMaxPlanFileBytes);
  if (!bytes.ok()) return bytes.status();
  auto plan = ParsePlanJson(std::string(bytes->begin(), bytes->end()));
  if (!plan.ok()) return plan.status().WithContext(path);
  return plan;
}

Status SavePlanFile(const std::string& path, const Plan& plan, int num_ops,
                    const std::string& model_path) {
  nlohmann::json j = PlanToJson(plan, num_ops);
  if (!model_path.empty()) SEGPIPE_RETURN_IF_ERROR(AddModelFingerprint(j, model_path));
  return WriteFileAtomically(path, j.dump(2) + "\n");
}

Status AddModelFingerprint(nlohmann::json& plan_json, const std::string& model_path) {
  SEGPIPE_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFileBytes(model_path, "model file"));
  plan_json["model"] = model_path;
  plan_json["model_sha256"] = Sha256Hex(bytes);
  return OkStatus();
}

Status CheckPlanMatchesModelFile(const LoadedPlan& plan, const std::string& plan_path,
                                 const std::string& model_path) {
  if (plan.model_sha256.empty())
    return InvalidArgumentError(fmt::format(
        "{}: the plan has no model fingerprint ('model_sha256'), so it cannot be checked against "
        "{}; write it again with `segpipe plan {} -o {}`",
        plan_path, model_path, model_path, plan_path));
  SEGPIPE_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFileBytes(model_path, "model file"));
  const std::string sha = Sha256Hex(bytes);
  if (sha != plan.model_sha256)
    return InvalidArgumentError(fmt::format(
        "{} was made for {} (sha256 {}), not for {} (sha256 {}); make a plan for this model "
        "with `segpipe plan {} -o PLAN`",
        plan_path, plan.model_path.empty() ? "another model" : plan.model_path,
        plan.model_sha256.substr(0, 12), model_path, sha.substr(0, 12), model_path));
  return OkStatus();
}

Status CheckPlanFitsModel(const LoadedPlan& plan, const Model& model) {
  if (plan.num_ops != static_cast<int>(model.ops.size()))
    return InvalidArgumentError(fmt::format(
        "the plan was made for a model with {} ops, this model has {}", plan.num_ops,
        model.ops.size()));
  return ValidatePartition(plan.partition, plan.num_ops);
}

std::vector<int> LastOps(const Partition& partition) {
  std::vector<int> last;
  for (const Segment& s : partition.segments) last.push_back(s.last_op);
  return last;
}

StatusOr<std::vector<int>> PlanCutAfterLayers(const LoadedPlan& plan, const Model& model) {
  SEGPIPE_RETURN_IF_ERROR(CheckPlanFitsModel(plan, model));
  SEGPIPE_ASSIGN_OR_RETURN(std::vector<int> units,
                           UnitsOfPartition(plan.partition, LayerEnds(model)));
  units.pop_back();
  for (int& u : units) u += 1;
  return units;
}

}  // namespace segpipe
