// Plan files: the JSON `segpipe plan -o PLAN.json` writes and `segpipe run --plan` and
// `segpipe compile --plan` read. The same JSON is what `segpipe plan --json` prints.
//
//   {"format": "segpipe-plan", "version": 1, "strategy": "optimal", "objective": "throughput",
//    "profile": "model", "num_ops": 10, "devices": "edgetpu:3",
//    "model": "fc.tflite", "model_sha256": "9f86d0...",
//    "segments": [{"first_op": 0, "last_op": 3, "device": "edgetpu:0", "replicas": 1,
//                  "on_chip_bytes": 4268032, "off_chip_bytes": 0, "stage_ms": 0.52}, ...],
//    "time_per_inference_ms": 0.61, "profiles_taken": 15, ...}
//
// A device on a stage host names it ("cpu:0@10.0.0.2:7070"), and such a plan lists the links
// between endpoints: "links": [{"from": "coordinator", "to": "10.0.0.2:7070", "after_stage": 0,
// "bytes": 150528, "wire_ms": 1.28, "transfer_ms": 1.48, "source": "hosts file"}, ...].
//
// Only `num_ops` and the segments' `first_op`, `last_op`, `device` and `replicas` are needed to
// load a plan; the rest documents how it was chosen. `model_sha256` (the SHA-256 of the model
// file's bytes) binds the plan to its model: CheckPlanMatchesModelFile refuses a plan used with
// any other file, since an op count alone cannot tell two models apart.
#ifndef SEGPIPE_PARTITION_INTERNAL_PLAN_FILE_H_
#define SEGPIPE_PARTITION_INTERNAL_PLAN_FILE_H_

#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "segpipe/partition/internal/planner.h"

namespace segpipe {

// Links as plan files and `run --json` write them: [{from, to, after_stage, bytes, wire_ms,
// transfer_ms, source}, ...].
nlohmann::json PlanLinksJson(std::span<const PlanLink> links);

nlohmann::json PlanToJson(const Plan& plan, int num_ops);

// A plan as read back: the partition and the op count of the model it was made for.
struct LoadedPlan {
  Partition partition;
  int num_ops = 0;
  std::string strategy;  // informational
  std::string model_path;    // the model the plan was made for, as given to `segpipe plan`
  std::string model_sha256;  // its fingerprint; empty in plans written before fingerprints
};

StatusOr<LoadedPlan> ParsePlanJson(const std::string& text);
StatusOr<LoadedPlan> LoadPlanFile(const std::string& path);
// Writes the plan atomically; with `model_path` the plan carries that file's fingerprint.
Status SavePlanFile(const std::string& path, const Plan& plan, int num_ops,
                    const std::string& model_path = "");

// Sets `model` and `model_sha256` of a plan's JSON from the model file at `model_path`.
Status AddModelFingerprint(nlohmann::json& plan_json, const std::string& model_path);

// Refuses to use `plan` (read from `plan_path`) with the model file at `model_path` unless the
// file's SHA-256 is the plan's fingerprint. The message names both models.
Status CheckPlanMatchesModelFile(const LoadedPlan& plan, const std::string& plan_path,
                                 const std::string& model_path);

// Checks that a loaded plan fits `model` (same op count, consecutive ranges covering it).
Status CheckPlanFitsModel(const LoadedPlan& plan, const Model& model);

// The last op of each segment, the form the pipeline layer takes (MakePipelinePlan).
std::vector<int> LastOps(const Partition& partition);

// The plan as a layer split for the Edge TPU compiler's explicit form: the 1-based last layer
// (LayerEnds) of every segment but the last. Fails when the plan does not fit `model` or cuts
// inside a layer.
StatusOr<std::vector<int>> PlanCutAfterLayers(const LoadedPlan& plan, const Model& model);

}  // namespace segpipe

#endif  // SEGPIPE_PARTITION_INTERNAL_PLAN_FILE_H_
