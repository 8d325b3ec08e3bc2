// Plan files: the JSON `segpipe plan -o PLAN.json` writes and `segpipe run --plan` and
// `segpipe compile --plan` read. The same JSON is what `segpipe plan --json` prints.
//
//   {"format": "segpipe-plan", "version": 1, "strategy": "optimal", "objective": "throughput",
//    "profile": "model", "num_ops": 10, "devices": "edgetpu:3",
//    "segments": [{"first_op": 0, "last_op": 3, "device": "edgetpu:0", "replicas": 1,
//                  "on_chip_bytes": 4268032, "off_chip_bytes": 0, "stage_ms": 0.52}, ...],
//    "time_per_inference_ms": 0.61, "profiles_taken": 15, ...}
//
// Only `num_ops` and the segments' `first_op`, `last_op`, `device` and `replicas` are needed to
// load a plan; the rest documents how it was chosen.
#ifndef SEGPIPE_PARTITION_PLAN_FILE_H_
#define SEGPIPE_PARTITION_PLAN_FILE_H_

#include <string>

#include <nlohmann/json.hpp>

#include "segpipe/partition/planner.h"

namespace segpipe {

nlohmann::json PlanToJson(const Plan& plan, int num_ops);

// A plan as read back: the partition and the op count of the model it was made for.
struct LoadedPlan {
  Partition partition;
  int num_ops = 0;
  std::string strategy;  // informational
};

StatusOr<LoadedPlan> ParsePlanJson(const std::string& text);
StatusOr<LoadedPlan> LoadPlanFile(const std::string& path);
Status SavePlanFile(const std::string& path, const Plan& plan, int num_ops);

// Checks that a loaded plan fits `model` (same op count, consecutive ranges covering it).
Status CheckPlanFitsModel(const LoadedPlan& plan, const Model& model);

// The last op of each segment, the form the pipeline layer takes (MakePipelinePlan).
std::vector<int> LastOps(const Partition& partition);

// The plan as a layer split for the Edge TPU compiler's explicit form: the 1-based last layer
// (LayerEnds) of every segment but the last. Fails when the plan does not fit `model` or cuts
// inside a layer.
StatusOr<std::vector<int>> PlanCutAfterLayers(const LoadedPlan& plan, const Model& model);

}  // namespace segpipe

#endif  // SEGPIPE_PARTITION_PLAN_FILE_H_
