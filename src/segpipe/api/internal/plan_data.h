// What the API's own files share about a Plan (not installed).
#ifndef SEGPIPE_API_INTERNAL_PLAN_DATA_H_
#define SEGPIPE_API_INTERNAL_PLAN_DATA_H_

#include <string>
#include <vector>

#include "segpipe/api/model.h"
#include "segpipe/api/plan.h"
#include "segpipe/partition/internal/plan_file.h"

namespace segpipe::api {

struct Plan::Data {
  LoadedPlan loaded;                // partition, op count, fingerprint
  std::string json;                 // the plan file's text
  std::string source = "the plan";  // the file it came from, for messages
  std::vector<PlanSegment> segments;
  double time_per_inference_ms = 0;
};

// Ok when `plan` was made for `model`: the same op count, ranges covering it, and, when both
// carry one, the same file fingerprint.
Status CheckPlanForModel(const Plan& plan, const Model& model);

}  // namespace segpipe::api

#endif  // SEGPIPE_API_INTERNAL_PLAN_DATA_H_
