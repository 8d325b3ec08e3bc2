// StageHost: the server behind `segpipe serve`. It prepares the segments coordinators load on its
// devices and serves them: frames arrive on one stream from upstream (the coordinator or the
// previous host), go through the segment's stages (an in-process Pipeline, one thread per device),
// and leave on a stream to the next host, or to the coordinator's Collect call on the last host.
//
//   StageHostOptions o{.listen = "0.0.0.0:7070", .devices = {DeviceKind::kCpu}, .token = token};
//   SEGPIPE_ASSIGN_OR_RETURN(std::unique_ptr<StageHost> host, StageHost::Start(std::move(o)));
//   std::printf("listening on %s\n", host->address().c_str());
//   ... on SIGTERM: host->Shutdown(std::chrono::seconds(30));
//
// Sessions: Load reserves devices for one session until its stream ends (or kIdleSessionTimeout
// passes without one, or another Load needs them kStaleLoadTimeout after a Load that never
// streamed: its coordinator died while loading); several coordinators share a host as long as
// devices are free. A call without the token is refused with UNAUTHENTICATED and logged; the
// host keeps serving others.
// Shutdown stops new calls, lets the streams in flight finish until the drain deadline, then
// cancels what is left.
//
// Thread-safety: Start, Shutdown and address from the owning thread; the gRPC threads serve calls.
#ifndef SEGPIPE_REMOTE_INTERNAL_STAGE_HOST_H_
#define SEGPIPE_REMOTE_INTERNAL_STAGE_HOST_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "segpipe/core/status.h"
#include "segpipe/device/internal/device_list.h"
#include "segpipe/remote/internal/transport.h"

namespace segpipe::remote {

inline constexpr int64_t kDefaultMaxSegmentBytes = int64_t{512} << 20;
inline constexpr std::chrono::seconds kIdleSessionTimeout{60};
inline constexpr std::chrono::seconds kStaleLoadTimeout{5};

struct StageHostOptions {
  std::string listen = "0.0.0.0:7070";  // HOST:PORT; port 0 picks a free one (see address())
  std::vector<DeviceKind> devices = {DeviceKind::kCpu};
  std::string token;
  std::string tls_cert_pem, tls_key_pem;  // both or neither: TLS for this host's server
  ClientSecurity peers;                   // how this host calls the next one (token, TLS roots)
  int64_t max_segment_bytes = kDefaultMaxSegmentBytes;
  std::function<void(const std::string&)> log;  // one line per event (refused calls, sessions)
};

class StageHost {
 public:
  static StatusOr<std::unique_ptr<StageHost>> Start(StageHostOptions options);
  ~StageHost();
  StageHost(const StageHost&) = delete;
  StageHost& operator=(const StageHost&) = delete;

  // The address it listens on, with the port it bound.
  std::string address() const;
  // Stops taking calls, waits for those in flight up to `drain`, cancels the rest. Idempotent.
  void Shutdown(std::chrono::milliseconds drain);
  // Blocks until Shutdown has finished.
  void Wait();

  class Impl;

 private:
  explicit StageHost(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace segpipe::remote

#endif  // SEGPIPE_REMOTE_INTERNAL_STAGE_HOST_H_
