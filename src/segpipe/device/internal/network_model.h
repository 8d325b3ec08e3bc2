// The network between stage hosts: one link model per ordered pair of endpoints, the endpoints
// being stage hosts ("HOST:PORT") and the coordinator (kCoordinator, the process that feeds the
// first host and collects from the last).
//
//   SEGPIPE_ASSIGN_OR_RETURN(NetworkModel net, ParseHostsFile(text));   // `segpipe probe -o`
//   const LinkModel& link = net.Between(kCoordinator, "10.0.0.2:7070");
//   int64_t ns = link.TransferNs(150'528);   // one frame: serialization + latency
//
// A link moves one frame in latency + bytes / bandwidth. The latency part overlaps between frames
// in flight; the bandwidth part does not (frames share the wire), so a link delivers at most one
// frame per bytes / bandwidth: a pipeline's period is at least that for every cut between hosts
// (the planner and the simulator both use it). Endpoints on one host talk over loopback.
//
// A plain value; thread-compatible.
#ifndef SEGPIPE_DEVICE_INTERNAL_NETWORK_MODEL_H_
#define SEGPIPE_DEVICE_INTERNAL_NETWORK_MODEL_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "segpipe/core/status.h"
#include "segpipe/device/internal/device_list.h"

namespace segpipe {

inline constexpr std::string_view kCoordinator = "coordinator";

struct LinkModel {
  double latency_ms = 0;        // one way, for a frame of any size: propagation + software
  double bandwidth_mbit_s = 0;  // payload bytes per second, x 8 / 1e6 (0: unlimited)
  std::string source;           // where the figures come from: "probe", "hosts file", "default"
  // The time the wire is busy with `bytes` (0 on an unlimited link).
  int64_t WireNs(int64_t bytes) const;
  // One frame of `bytes` from the sender to the receiver: latency + wire time.
  int64_t TransferNs(int64_t bytes) const;
};

// What a link between two endpoints is assumed to be when neither a probe nor a hosts file
// gives it: gigabit Ethernet (940 Mbit/s of TCP payload, 0.2 ms one way).
LinkModel DefaultLink();

class NetworkModel {
 public:
  // The link from `from` to `to` (endpoints as in the top comment): the one set, else the one
  // set in the other direction, else `default_link()`. The same endpoint on both ends is free.
  LinkModel Between(std::string_view from, std::string_view to) const;
  void Set(std::string from, std::string to, LinkModel link);
  void set_default_link(LinkModel link) { default_ = std::move(link); }
  const LinkModel& default_link() const { return default_; }
  const std::map<std::pair<std::string, std::string>, LinkModel>& links() const { return links_; }
  bool empty() const { return links_.empty(); }

 private:
  std::map<std::pair<std::string, std::string>, LinkModel> links_;
  LinkModel default_ = DefaultLink();
};

// A hosts file (JSON), what `segpipe probe -o` writes and `--hosts` reads:
//   {"links": [{"from": "coordinator", "to": "10.0.0.2:7070", "latency_ms": 0.21,
//               "bandwidth_mbit_s": 941.5}, ...],
//    "default": {"latency_ms": 0.2, "bandwidth_mbit_s": 940}}       ("default" optional)
// Fails with INVALID_ARGUMENT naming the bad entry.
StatusOr<NetworkModel> ParseHostsFile(std::string_view json_text);
std::string HostsFileJson(const NetworkModel& network);
// Reads and parses a hosts file; errors name the path.
StatusOr<NetworkModel> LoadHostsFile(const std::string& path);

}  // namespace segpipe

#endif  // SEGPIPE_DEVICE_INTERNAL_NETWORK_MODEL_H_
