// `segpipe plan --svg FILE`: the chosen split as a picture. One row per stage (its device): a
// bar of the parameter bytes it keeps on chip and streams from host memory, against the Edge TPU's
// on-chip capacity, and a bar of its stage time against the bottleneck stage.
#ifndef SEGPIPE_TOOLS_SEGPIPE_PLAN_SVG_H_
#define SEGPIPE_TOOLS_SEGPIPE_PLAN_SVG_H_

#include <string>

#include "segpipe/device/internal/edgetpu_model.h"
#include "segpipe/partition/internal/planner.h"

namespace segpipe::cli {

// A self-contained SVG 1.1 document; `title` heads it (the model path, typically).
std::string PlanSvg(const Plan& plan, const EdgeTpuSpec& spec, const std::string& title);

}  // namespace segpipe::cli

#endif  // SEGPIPE_TOOLS_SEGPIPE_PLAN_SVG_H_
