#include "segpipe/api/plan.h"

#include <fmt/format.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "segpipe/api/internal/plan_data.h"
#include "segpipe/api/internal/profiler_factory.h"
#include "segpipe/api/version.h"
#include "segpipe/core/internal/file_io.h"
#include "segpipe/device/internal/edgetpu_compiler.h"
#include "segpipe/device/internal/edgetpu_handoff.h"
#include "segpipe/partition/internal/planner.h"
#include "segpipe/pipeline/internal/run.h"
#include "segpipe/tflite/internal/writer.h"

namespace segpipe::api {

StatusOr<Plan> Plan::FromJson(const std::string& text) {
  auto data = std::make_shared<Data>();
  SEGPIPE_ASSIGN_OR_RETURN(data->loaded, ParsePlanJson(text));
  data->json = text;
  // ParsePlanJson accepted the text, so it is JSON with a segment array.
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_object()) {
    data->time_per_inference_ms = j.value("time_per_inference_ms", 0.0);
    const auto& segs = j.contains("segments") ? j["segments"] : nlohmann::json::array();
    for (size_t k = 0; k < data->loaded.partition.segments.size(); ++k) {
      const Segment& s = data->loaded.partition.segments[k];
      PlanSegment seg;
      seg.first_op = s.first_op;
      seg.last_op = s.last_op;
      seg.device = DeviceName(s.device);
      seg.replicas = s.replicas;
      if (k < segs.size() && segs[k].is_object()) {
        seg.on_chip_bytes = segs[k].value("on_chip_bytes", int64_t{0});
        seg.off_chip_bytes = segs[k].value("off_chip_bytes", int64_t{0});
        seg.stage_ms = segs[k].value("stage_ms", 0.0);
      }
      data->segments.push_back(seg);
    }
  }
  return Plan(std::move(data));
}

StatusOr<Plan> Plan::Load(const std::string& path) {
  SEGPIPE_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFileBytes(path, "plan file"));
  StatusOr<Plan> plan = FromJson(std::string(bytes.begin(), bytes.end()));
  if (!plan.ok()) return plan.status().WithContext(path);
  auto data = std::make_shared<Data>(plan->data());
  data->source = path;
  return Plan(std::move(data));
}

const std::vector<PlanSegment>& Plan::segments() const { return data_->segments; }
double Plan::time_per_inference_ms() const { return data_->time_per_inference_ms; }
const std::string& Plan::strategy() const { return data_->loaded.strategy; }
int Plan::num_ops() const { return data_->loaded.num_ops; }
std::string Plan::ToJson() const { return data_->json; }

Status Plan::Save(const std::string& path) const { return WriteFileAtomically(path, data_->json); }

Status CheckPlanForModel(const Plan& plan, const Model& model) {
  const Plan::Data& d = plan.data();
  SEGPIPE_RETURN_IF_ERROR(CheckPlanFitsModel(d.loaded, model.internal()));
  if (!d.loaded.model_sha256.empty() && !model.sha256().empty() &&
      d.loaded.model_sha256 != model.sha256())
    return InvalidArgumentError(fmt::format(
        "{} was made for {} (sha256 {}), not for {} (sha256 {})", d.source,
        d.loaded.model_path.empty() ? "another model" : d.loaded.model_path,
        d.loaded.model_sha256.substr(0, 12), model.path(), model.sha256().substr(0, 12)));
  return OkStatus();
}

StatusOr<Plan> Planner::MakePlan(const Model& model) const {
  const segpipe::Model& m = model.internal();
  PlanOptions options;
  SEGPIPE_ASSIGN_OR_RETURN(options.strategy, ParseStrategy(options_.strategy));
  SEGPIPE_ASSIGN_OR_RETURN(options.objective, ParseObjective(options_.objective));
  SEGPIPE_ASSIGN_OR_RETURN(options.devices, ParseDevices(options_.devices));
  SEGPIPE_ASSIGN_OR_RETURN(auto profiler,
                           MakeProfiler(m, options.devices, options_.profile, options_.host_profile,
                                        options_.measure_repeats));
  SEGPIPE_ASSIGN_OR_RETURN(segpipe::Plan plan, segpipe::MakePlan(m, *profiler, options));
  const int num_ops = static_cast<int>(m.ops.size());
  // Every plan returned can run, as `segpipe plan` checks before it writes one.
  LoadedPlan loaded;
  loaded.partition = plan.partition;
  loaded.num_ops = num_ops;
  StatusOr<RunConfig> runnable = RunConfigForPlan(loaded, m);
  if (!runnable.ok())
    return FailedPreconditionError(
        fmt::format("the {} plan {} cannot run as a pipeline: {}", StrategyName(plan.strategy),
                    FormatLayers(plan.partition, CutCandidates(m)), runnable.status().message()));
  nlohmann::json j = PlanToJson(plan, num_ops);
  if (!model.path().empty()) {
    j["model"] = model.path();
    j["model_sha256"] = model.sha256();
  }
  j["segpipe_version"] = std::string(Version());
  j["layout"] = FormatLayers(plan.partition, CutCandidates(m));
  return Plan::FromJson(j.dump(2) + "\n");
}

StatusOr<SimulationReport> Simulate(const Model& model, const Plan& plan,
                                    const SimulateOptions& options) {
  SEGPIPE_RETURN_IF_ERROR(CheckPlanForModel(plan, model));
  RunConfig base;
  base.simulate = true;
  base.batch = options.batch;
  base.host_profile = options.host_profile;
  SEGPIPE_ASSIGN_OR_RETURN(RunConfig config,
                           RunConfigForPlan(plan.data().loaded, model.internal(), base));
  SEGPIPE_ASSIGN_OR_RETURN(RunReport r, RunPipeline(model.internal(), config));
  SimulationReport out;
  out.batch = r.batch;
  out.host_profile = r.host_profile;
  out.time_per_inference_ms = r.time_per_inference_ms;
  out.throughput_per_s = r.throughput_per_s;
  out.latency_p50_ms = r.latency_p50_ms;
  out.latency_p90_ms = r.latency_p90_ms;
  out.latency_p99_ms = r.latency_p99_ms;
  out.latency_max_ms = r.latency_max_ms;
  for (const StageReport& st : r.stages)
    out.stages.push_back({.first_op = st.first_op,
                          .last_op = st.last_op,
                          .device = st.device,
                          .replicas = st.replicas,
                          .service_ms = st.service_ms,
                          .utilisation = st.utilisation});
  return out;
}

StatusOr<std::vector<std::string>> CompileSegments(const Model& model, const std::string& out_dir,
                                                   int segments, const Plan* plan) {
  const segpipe::Model& m = model.internal();
  SplitSpec split;
  int num_segments = segments;
  if (plan != nullptr) {
    SEGPIPE_RETURN_IF_ERROR(CheckPlanForModel(*plan, model));
    split.kind = SplitKind::kExplicit;
    SEGPIPE_ASSIGN_OR_RETURN(split.cut_after_layers, PlanCutAfterLayers(plan->data().loaded, m));
    num_segments = static_cast<int>(plan->segments().size());
  }
  if (num_segments < 1) return InvalidArgumentError("segments must be >= 1");
  SEGPIPE_ASSIGN_OR_RETURN(EdgeTpuCompilation compiled,
                           CompileForEdgeTpu(m, num_segments, split, EdgeTpuSpec{}));
  return WriteCompiledSegments(m, model.path(), compiled, out_dir, {model.path()});
}

}  // namespace segpipe::api
