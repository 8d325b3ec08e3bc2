// Profilers by name, as `segpipe plan --profile` builds them, and the device-list parser the
// API uses. Library code (not installed): the public API takes these as strings.
#ifndef SEGPIPE_API_INTERNAL_PROFILER_FACTORY_H_
#define SEGPIPE_API_INTERNAL_PROFILER_FACTORY_H_

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "segpipe/core/status.h"
#include "segpipe/model/model.h"
#include "segpipe/partition/internal/partition.h"
#include "segpipe/partition/internal/segment_profiler.h"

namespace segpipe::api {

// The device lists the API accepts ("edgetpu:4", "cpu:2", "cpu:1,edgetpu:3").
StatusOr<std::vector<StageDevice>> ParseDevices(std::string_view text);

// `profile`: model (analytic Edge TPU), simulate or measure (real CPU runs); `host_profile`:
// native or paper. CPU stages next to Edge TPU stages under model or simulate are measured, since
// there is no analytic CPU model. Borrows `model`, which must outlive the profiler.
StatusOr<std::unique_ptr<SegmentProfiler>> MakeProfiler(const segpipe::Model& model,
                                                        std::span<const StageDevice> devices,
                                                        const std::string& profile,
                                                        const std::string& host_profile,
                                                        int measure_repeats = 5);

}  // namespace segpipe::api

#endif  // SEGPIPE_API_INTERNAL_PROFILER_FACTORY_H_
