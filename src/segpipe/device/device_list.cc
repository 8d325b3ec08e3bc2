// The one device-list parser (device_list.h).
#include "segpipe/device/internal/device_list.h"

#include <fmt/format.h>

#include <charconv>

namespace segpipe {
namespace {

constexpr std::string_view kExamples = "e.g. 'edgetpu:4', 'edgetpu-usb:2' or 'cpu:1,edgetpu:3'";

}  // namespace

std::string_view DeviceKindName(DeviceKind kind) {
  switch (kind) {
    case DeviceKind::kCpu:
      return "cpu";
    case DeviceKind::kEdgeTpu:
      return EdgeTpuLinkName(EdgeTpuLink::kPcie);
    case DeviceKind::kEdgeTpuUsb:
      return EdgeTpuLinkName(EdgeTpuLink::kUsb);
  }
  return "?";
}

StatusOr<DeviceKind> ParseDeviceKind(std::string_view name) {
  if (name == "cpu") return DeviceKind::kCpu;
  if (name == "edgetpu" || name == "tpu") return DeviceKind::kEdgeTpu;
  if (name == "edgetpu-usb") return DeviceKind::kEdgeTpuUsb;
  return InvalidArgumentError(
      fmt::format("unknown device kind '{}' (expected cpu, edgetpu or edgetpu-usb)", name));
}

bool IsEdgeTpu(DeviceKind kind) {
  return kind == DeviceKind::kEdgeTpu || kind == DeviceKind::kEdgeTpuUsb;
}

EdgeTpuLink LinkOf(DeviceKind kind) {
  return kind == DeviceKind::kEdgeTpuUsb ? EdgeTpuLink::kUsb : EdgeTpuLink::kPcie;
}

EdgeTpuSpec SpecForDevice(const EdgeTpuSpec& base, DeviceKind kind) {
  return WithLink(base, LinkOf(kind));
}

Status CheckHostAddress(std::string_view address, bool allow_any_port) {
  const size_t colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return InvalidArgumentError(
        fmt::format("'{}' is not HOST:PORT (e.g. 10.0.0.2:7070 or [::1]:7070)", address));
  const std::string_view host = address.substr(0, colon), port_text = address.substr(colon + 1);
  int port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() ||
      port < (allow_any_port ? 0 : 1) || port > 65535)
    return InvalidArgumentError(
        fmt::format("'{}': '{}' is not a port (1 to 65535)", address, port_text));
  const bool bracketed = host.size() > 2 && host.front() == '[' && host.back() == ']';
  for (char c : bracketed ? host.substr(1, host.size() - 2) : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == '_' || (bracketed && c == ':');
    if (!ok)
      return InvalidArgumentError(fmt::format("'{}': '{}' is not a host name or address", address,
                                              host));
  }
  return OkStatus();
}

StatusOr<DeviceAndHost> SplitDeviceHost(std::string_view item) {
  const size_t at = item.find('@');
  if (at == std::string_view::npos) return DeviceAndHost{item, {}};
  const DeviceAndHost split{item.substr(0, at), item.substr(at + 1)};
  SEGPIPE_RETURN_IF_ERROR(CheckHostAddress(split.host));
  return split;
}

StatusOr<std::vector<DeviceSpec>> ParseDevices(std::string_view text) {
  if (text.empty())
    return InvalidArgumentError(fmt::format("device list is empty ({})", kExamples));
  std::vector<DeviceSpec> devices;
  size_t pos = 0;
  while (true) {
    size_t comma = text.find(',', pos);
    if (comma == std::string_view::npos) comma = text.size();
    StatusOr<DeviceAndHost> split = SplitDeviceHost(text.substr(pos, comma - pos));
    if (!split.ok())
      return InvalidArgumentError(
          fmt::format("device list '{}': {}", text, split.status().message()));
    const std::string_view item = split->device, host = split->host;
    std::string_view kind_text = item, count_text;
    const size_t colon = item.find(':');
    if (colon != std::string_view::npos) {
      kind_text = item.substr(0, colon);
      count_text = item.substr(colon + 1);
    }
    if (item.empty())
      return InvalidArgumentError(
          fmt::format("device list '{}': an empty item ({})", text, kExamples));
    StatusOr<DeviceKind> kind = ParseDeviceKind(kind_text);
    if (!kind.ok())
      return InvalidArgumentError(
          fmt::format("device list '{}': {}; {}", text, kind.status().message(), kExamples));
    int count = 1;
    if (colon != std::string_view::npos) {
      auto [end, ec] =
          std::from_chars(count_text.data(), count_text.data() + count_text.size(), count);
      if (ec != std::errc() || end != count_text.data() + count_text.size() || count < 1)
        return InvalidArgumentError(
            fmt::format("device list '{}': '{}' is not a positive device count", text, count_text));
    }
    if (count > kMaxDevices || static_cast<int>(devices.size()) + count > kMaxDevices)
      return InvalidArgumentError(
          fmt::format("device list '{}': more than {} devices in all", text, kMaxDevices));
    devices.insert(devices.end(), static_cast<size_t>(count), DeviceSpec{*kind, std::string(host)});
    if (comma == text.size()) break;
    pos = comma + 1;
  }
  return devices;
}

StatusOr<std::vector<DeviceKind>> ParseDeviceList(std::string_view text) {
  SEGPIPE_ASSIGN_OR_RETURN(std::vector<DeviceSpec> devices, ParseDevices(text));
  std::vector<DeviceKind> kinds;
  for (const DeviceSpec& d : devices) kinds.push_back(d.kind);
  return kinds;
}

bool HasRemoteDevices(std::span<const DeviceSpec> devices) {
  for (const DeviceSpec& d : devices)
    if (!d.host.empty()) return true;
  return false;
}

std::string FormatDevices(std::span<const DeviceSpec> devices) {
  std::string out;
  size_t i = 0;
  while (i < devices.size()) {
    size_t j = i;
    while (j < devices.size() && devices[j] == devices[i]) ++j;
    if (!out.empty()) out += ",";
    out += fmt::format("{}:{}", DeviceKindName(devices[i].kind), j - i);
    if (!devices[i].host.empty()) out += "@" + devices[i].host;
    i = j;
  }
  return out;
}

std::string FormatDeviceList(std::span<const DeviceKind> kinds) {
  std::vector<DeviceSpec> devices;
  for (DeviceKind k : kinds) devices.push_back({k, ""});
  return FormatDevices(devices);
}

}  // namespace segpipe
