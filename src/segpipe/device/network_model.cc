// Link models between stage hosts and the hosts file (network_model.h).
#include "segpipe/device/internal/network_model.h"

#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "segpipe/core/internal/file_io.h"

namespace segpipe {

int64_t LinkModel::WireNs(int64_t bytes) const {
  if (bandwidth_mbit_s <= 0) return 0;
  return std::llround(static_cast<double>(bytes) * 8e3 / bandwidth_mbit_s);
}

int64_t LinkModel::TransferNs(int64_t bytes) const {
  return std::llround(latency_ms * 1e6) + WireNs(bytes);
}

LinkModel DefaultLink() { return LinkModel{0.2, 940, "default"}; }

LinkModel NetworkModel::Between(std::string_view from, std::string_view to) const {
  if (from == to) return LinkModel{0, 0, "same endpoint"};
  if (auto it = links_.find({std::string(from), std::string(to)}); it != links_.end())
    return it->second;
  if (auto it = links_.find({std::string(to), std::string(from)}); it != links_.end())
    return it->second;
  return default_;
}

void NetworkModel::Set(std::string from, std::string to, LinkModel link) {
  links_[{std::move(from), std::move(to)}] = std::move(link);
}

namespace {

StatusOr<LinkModel> ParseLink(const nlohmann::json& j, const std::string& where,
                              const std::string& source) {
  if (!j.is_object()) return InvalidArgumentError(fmt::format("{}: not an object", where));
  LinkModel link;
  link.source = source;
  for (const char* field : {"latency_ms", "bandwidth_mbit_s"}) {
    auto it = j.find(field);
    if (it == j.end() || !it->is_number() || !std::isfinite(it->get<double>()) ||
        it->get<double>() < 0)
      return InvalidArgumentError(
          fmt::format("{}: '{}' must be a number >= 0 (0 bandwidth: unlimited)", where, field));
  }
  link.latency_ms = j["latency_ms"].get<double>();
  link.bandwidth_mbit_s = j["bandwidth_mbit_s"].get<double>();
  if (auto it = j.find("source"); it != j.end() && it->is_string())
    link.source = it->get<std::string>();
  return link;
}

}  // namespace

StatusOr<NetworkModel> ParseHostsFile(std::string_view json_text) {
  nlohmann::json j = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return InvalidArgumentError("hosts file: not a JSON object (see docs/distributed.md)");
  NetworkModel network;
  if (auto it = j.find("default"); it != j.end()) {
    SEGPIPE_ASSIGN_OR_RETURN(LinkModel link, ParseLink(*it, "hosts file: 'default'", "hosts file"));
    network.set_default_link(link);
  }
  auto links = j.find("links");
  if (links == j.end() || !links->is_array())
    return InvalidArgumentError("hosts file: 'links' (an array of links) is missing");
  for (size_t i = 0; i < links->size(); ++i) {
    const nlohmann::json& l = (*links)[i];
    const std::string where = fmt::format("hosts file: link {}", i + 1);
    std::string ends[2];
    for (int e = 0; e < 2; ++e) {
      const char* field = e == 0 ? "from" : "to";
      if (!l.is_object() || !l.contains(field) || !l[field].is_string())
        return InvalidArgumentError(fmt::format(
            "{}: '{}' must be \"coordinator\" or a stage host's HOST:PORT", where, field));
      ends[e] = l[field].get<std::string>();
      if (ends[e] != kCoordinator) {
        if (Status s = CheckHostAddress(ends[e]); !s.ok())
          return InvalidArgumentError(fmt::format("{}: {}", where, s.message()));
      }
    }
    SEGPIPE_ASSIGN_OR_RETURN(LinkModel link, ParseLink(l, where, "hosts file"));
    network.Set(ends[0], ends[1], link);
  }
  return network;
}

std::string HostsFileJson(const NetworkModel& network) {
  nlohmann::ordered_json j;
  j["links"] = nlohmann::ordered_json::array();
  for (const auto& [ends, link] : network.links())
    j["links"].push_back({{"from", ends.first},
                          {"to", ends.second},
                          {"latency_ms", link.latency_ms},
                          {"bandwidth_mbit_s", link.bandwidth_mbit_s},
                          {"source", link.source}});
  j["default"] = {{"latency_ms", network.default_link().latency_ms},
                  {"bandwidth_mbit_s", network.default_link().bandwidth_mbit_s}};
  return j.dump(2) + "\n";
}

StatusOr<NetworkModel> LoadHostsFile(const std::string& path) {
  SEGPIPE_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFileBytes(path, "hosts file"));
  StatusOr<NetworkModel> network =
      ParseHostsFile(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  if (!network.ok()) return network.status().WithContext(path);
  return network;
}

}  // namespace segpipe
