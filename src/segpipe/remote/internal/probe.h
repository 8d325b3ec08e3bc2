// Measuring the link to a stage host: what `segpipe probe` reports and writes into a hosts file.
//
//   SEGPIPE_ASSIGN_OR_RETURN(LinkModel link, MeasureLink("10.0.0.2:7070", security));
//
// Latency: the median of kLatencyRounds round trips of 1-byte frames, halved. Bandwidth: frames of
// 1 MiB streamed to the host (which answers each with one byte) for about kBandwidthSeconds,
// bytes over the time from the first send to the last answer less one round trip. Both go
// through the same gRPC stack as pipeline frames, so protocol overhead is part of the figures.
#ifndef SEGPIPE_REMOTE_INTERNAL_PROBE_H_
#define SEGPIPE_REMOTE_INTERNAL_PROBE_H_

#include <string>
#include <vector>

#include "segpipe/core/status.h"
#include "segpipe/device/internal/network_model.h"
#include "segpipe/remote/internal/transport.h"

namespace segpipe::remote {

inline constexpr int kLatencyRounds = 50;
inline constexpr double kBandwidthSeconds = 1.0;

StatusOr<LinkModel> MeasureLink(const std::string& address, const ClientSecurity& security);

// The link from stage host `from` to stage host `to`, measured by `from` (ProbePeer).
StatusOr<LinkModel> MeasurePeerLink(const std::string& from, const std::string& to,
                                    const ClientSecurity& security);

// The round-trip times (ns) of `rounds` frames of `bytes` sent to the host and `reply_bytes`
// returned, one at a time (the per-hop benchmark).
StatusOr<std::vector<int64_t>> MeasureRoundTrips(const std::string& address,
                                                 const ClientSecurity& security, int64_t bytes,
                                                 int64_t reply_bytes, int rounds);

// The host's version, devices and free devices in one line, or why it does not answer
// (within `timeout`): the health check the coordinator runs on a failure.
StatusOr<std::string> DescribeHost(const std::string& address, const ClientSecurity& security,
                                   std::chrono::milliseconds timeout);

}  // namespace segpipe::remote

#endif  // SEGPIPE_REMOTE_INTERNAL_PROBE_H_
