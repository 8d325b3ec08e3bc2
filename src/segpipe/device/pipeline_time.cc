// The analytic pipeline time; see pipeline_time.h.
#include "segpipe/device/internal/pipeline_time.h"

#include <algorithm>

namespace segpipe {

PipelineTime EstimatePipelineTime(std::span<const PipelineStageTime> stages,
                                  const PipelineOverheads& overheads) {
  PipelineTime t;
  if (stages.empty()) return t;
  t.latency = overheads.fixed;
  double link = 0;
  for (const PipelineStageTime& s : stages) {
    t.latency += s.time;
    link += s.link;
    t.period = std::max(t.period, s.time / std::max(s.replicas, 1));
  }
  // Each input does every stage's host work once, whatever the replicas, and crosses the
  // shared link once per stage.
  t.period = std::max(
      {t.period, static_cast<double>(stages.size()) * overheads.serialized_per_stage, link});
  return t;
}

double StageTimeNs(double device_ns, const HostProfile& host) {
  return device_ns + host.per_stage_host_ns + host.per_hop_ns;
}

PipelineOverheads HostOverheadsNs(const HostProfile& host) {
  PipelineOverheads o;
  o.serialized_per_stage = host.host_serialized ? host.per_stage_host_ns : 0;
  o.fixed = host.startup_ns + host.per_hop_ns;
  return o;
}

}  // namespace segpipe
