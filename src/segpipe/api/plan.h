// Planning a split of a model over devices, saving and loading it, simulating it and writing
// its segments.
//
//   api::Planner planner({.devices = "edgetpu:4", .strategy = "auto"});
//   SEGPIPE_ASSIGN_OR_RETURN(api::Plan plan, planner.MakePlan(model));
//   SEGPIPE_RETURN_IF_ERROR(plan.Save("plan.json"));       // the `segpipe plan -o` format
//   SEGPIPE_ASSIGN_OR_RETURN(api::SimulationReport r, api::Simulate(model, plan));
//
// Device lists, strategies, objectives and profiles are the CLI's words (docs/cli.md):
// devices "edgetpu:4", "cpu:2", "cpu:1,edgetpu:3"; strategies uniform, params, exhaustive,
// coral, optimal, auto; objectives throughput, latency, batch:B; profiles model, simulate,
// measure; host profiles native, paper.
#ifndef SEGPIPE_API_PLAN_H_
#define SEGPIPE_API_PLAN_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "segpipe/api/model.h"
#include "segpipe/core/status.h"

namespace segpipe::api {

// One stage of a plan: ops [first_op, last_op] on `device` ("edgetpu:0", "cpu:1"), and on
// `replicas` identical devices in all.
struct PlanSegment {
  int first_op = 0, last_op = 0;
  std::string device;
  int replicas = 1;
  int64_t on_chip_bytes = 0, off_chip_bytes = 0;  // Edge TPU parameter placement
  double stage_ms = 0;                            // one device's time for this segment
};

// A split of one model. Copyable; immutable.
class Plan {
 public:
  // Reads a plan file (written by Save or `segpipe plan -o`).
  static StatusOr<Plan> Load(const std::string& path);
  // Parses the JSON text of a plan file.
  static StatusOr<Plan> FromJson(const std::string& text);

  const std::vector<PlanSegment>& segments() const;
  double time_per_inference_ms() const;  // as planned (0 when the file does not say)
  const std::string& strategy() const;
  int num_ops() const;  // of the model the plan was made for

  // Writes the plan file atomically.
  Status Save(const std::string& path) const;
  std::string ToJson() const;

  struct Data;
  const Data& data() const { return *data_; }

 private:
  explicit Plan(std::shared_ptr<const Data> data) : data_(std::move(data)) {}
  std::shared_ptr<const Data> data_;
};

struct PlannerOptions {
  std::string devices = "edgetpu:4";
  std::string strategy = "auto";
  std::string objective = "throughput";
  std::string profile = "model";
  std::string host_profile = "native";
  int measure_repeats = 5;  // profile "measure" (and CPU stages): timed runs per segment
};

class Planner {
 public:
  explicit Planner(PlannerOptions options = {}) : options_(std::move(options)) {}
  const PlannerOptions& options() const { return options_; }
  // Chooses the split. Every plan returned can run as a pipeline (PipelinedModelRunner).
  StatusOr<Plan> MakePlan(const Model& model) const;

 private:
  PlannerOptions options_;
};

struct SimulateOptions {
  int batch = 50;
  std::string host_profile = "native";
};

struct SimulatedStage {
  int first_op = 0, last_op = 0;
  std::string device;  // "edgetpu (modelled)", "cpu (measured)"
  int replicas = 1;
  double service_ms = 0;
  double utilisation = 0;
};

struct SimulationReport {
  int batch = 0;
  std::string host_profile;
  double time_per_inference_ms = 0;
  double throughput_per_s = 0;
  double latency_p50_ms = 0, latency_p90_ms = 0, latency_p99_ms = 0, latency_max_ms = 0;
  std::vector<SimulatedStage> stages;
};

// Runs `plan` on `model` in virtual time (what `segpipe run --plan P --simulate` does).
StatusOr<SimulationReport> Simulate(const Model& model, const Plan& plan,
                                    const SimulateOptions& options = {});

// Writes the segments of `model` as CPU .tflite files (edgetpu_compiler's names,
// <stem>_segment_<k>_of_<S>.tflite) and a README.txt into `out_dir`, all or none, and returns
// the segment files' paths. The split: `plan` when given, else `segments` segments split by the
// compiler's parameter rule.
StatusOr<std::vector<std::string>> CompileSegments(const Model& model, const std::string& out_dir,
                                                   int segments = 1, const Plan* plan = nullptr);

}  // namespace segpipe::api

#endif  // SEGPIPE_API_PLAN_H_
