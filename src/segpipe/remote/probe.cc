// Link measurement and the health check (probe.h).
#include "segpipe/remote/internal/probe.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "segpipe/device/internal/edgetpu_device.h"
#include "segpipe/remote/stage_host.grpc.pb.h"

namespace segpipe::remote {
namespace {

Status Described(const std::string& address, const grpc::Status& status) {
  return FromGrpc(status).WithContext(fmt::format("stage host {}", address));
}

}  // namespace

StatusOr<std::vector<int64_t>> MeasureRoundTrips(const std::string& address,
                                                 const ClientSecurity& security, int64_t bytes,
                                                 int64_t reply_bytes, int rounds) {
  auto stub = StageHostService::NewStub(MakeChannel(address, security));
  grpc::ClientContext context;
  PrepareContext(context, security, "", std::chrono::seconds(60));
  auto stream = stub->Probe(&context);
  ProbeMessage out, in;
  out.mutable_payload()->assign(static_cast<size_t>(bytes), '\0');
  out.set_reply_bytes(static_cast<int32_t>(reply_bytes));
  std::vector<int64_t> rtt_ns;
  for (int i = 0; i <= rounds; ++i) {  // the first round opens the connection: not counted
    out.set_sequence(i);
    const int64_t start = SteadyNowNs();
    if (!stream->Write(out) || !stream->Read(&in)) break;
    if (i > 0) rtt_ns.push_back(SteadyNowNs() - start);
  }
  stream->WritesDone();
  grpc::Status status = stream->Finish();
  if (!status.ok()) return Described(address, status);
  if (static_cast<int>(rtt_ns.size()) != rounds)
    return UnavailableError(fmt::format("stage host {}: the probe stream ended early", address));
  return rtt_ns;
}

StatusOr<LinkModel> MeasureLink(const std::string& address, const ClientSecurity& security) {
  SEGPIPE_ASSIGN_OR_RETURN(std::vector<int64_t> rtt,
                           MeasureRoundTrips(address, security, 1, 1, kLatencyRounds));
  std::nth_element(rtt.begin(), rtt.begin() + static_cast<long>(rtt.size() / 2), rtt.end());
  const int64_t rtt_ns = rtt[rtt.size() / 2];

  auto stub = StageHostService::NewStub(MakeChannel(address, security));
  grpc::ClientContext context;
  PrepareContext(context, security, "", std::chrono::seconds(120));
  auto stream = stub->Probe(&context);
  constexpr int64_t kFrameBytes = 1 << 20;
  ProbeMessage out, in;
  out.mutable_payload()->assign(kFrameBytes, '\0');
  out.set_reply_bytes(1);
  // Warm-up frame: opens the connection and lets TCP and HTTP/2 open their windows.
  if (!stream->Write(out) || !stream->Read(&in)) {
    stream->WritesDone();
    return Described(address, stream->Finish());
  }
  // Stream frames, keeping a few in flight, until kBandwidthSeconds have passed.
  constexpr int kInFlight = 4;
  const int64_t start = SteadyNowNs();
  int64_t sent = 0, answered = 0;
  bool ok = true;
  while (ok) {
    const bool time_left =
        SteadyNowNs() - start < static_cast<int64_t>(kBandwidthSeconds * 1e9) || sent < 8;
    if (time_left && sent - answered < kInFlight) {
      ok = stream->Write(out);
      ++sent;
    } else if (answered < sent) {
      ok = stream->Read(&in);
      ++answered;
    } else {
      break;
    }
  }
  const int64_t elapsed = SteadyNowNs() - start;
  stream->WritesDone();
  grpc::Status status = stream->Finish();
  if (!ok || !status.ok())
    return status.ok() ? UnavailableError(fmt::format("stage host {}: the probe stream ended early",
                                                      address))
                       : Described(address, status);
  const double seconds = static_cast<double>(std::max<int64_t>(elapsed - rtt_ns, 1)) / 1e9;
  LinkModel link;
  link.latency_ms = static_cast<double>(rtt_ns) / 2e6;
  link.bandwidth_mbit_s = static_cast<double>(sent * kFrameBytes) * 8 / 1e6 / seconds;
  link.source = "probe";
  return link;
}

StatusOr<LinkModel> MeasurePeerLink(const std::string& from, const std::string& to,
                                    const ClientSecurity& security) {
  auto stub = StageHostService::NewStub(MakeChannel(from, security));
  grpc::ClientContext context;
  PrepareContext(context, security, "", std::chrono::seconds(60));
  ProbePeerRequest request;
  request.set_address(to);
  LinkMeasurement reply;
  grpc::Status status = stub->ProbePeer(&context, request, &reply);
  if (!status.ok()) return Described(from, status);
  return LinkModel{reply.latency_ms(), reply.bandwidth_mbit_s(), "probe"};
}

StatusOr<std::string> DescribeHost(const std::string& address, const ClientSecurity& security,
                                   std::chrono::milliseconds timeout) {
  auto stub = StageHostService::NewStub(MakeChannel(address, security));
  grpc::ClientContext context;
  PrepareContext(context, security, "", timeout);
  HostInfo info;
  grpc::Status status = stub->Info(&context, InfoRequest{}, &info);
  if (!status.ok()) return Described(address, status);
  std::vector<std::string> devices, free;
  for (const DeviceCount& d : info.devices()) devices.push_back(fmt::format("{}:{}", d.kind(), d.count()));
  for (const DeviceCount& d : info.free()) free.push_back(fmt::format("{}:{}", d.kind(), d.count()));
  return fmt::format("{}, devices {} ({} free)", info.version(), fmt::join(devices, ","),
                     fmt::join(free, ","));
}

}  // namespace segpipe::remote
