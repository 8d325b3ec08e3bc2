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

StatusOr<std::vector<DeviceKind>> ParseDeviceList(std::string_view text) {
  if (text.empty())
    return InvalidArgumentError(fmt::format("device list is empty ({})", kExamples));
  std::vector<DeviceKind> kinds;
  size_t pos = 0;
  while (true) {
    size_t comma = text.find(',', pos);
    if (comma == std::string_view::npos) comma = text.size();
    const std::string_view item = text.substr(pos, comma - pos);
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
    if (count > kMaxDevices || static_cast<int>(kinds.size()) + count > kMaxDevices)
      return InvalidArgumentError(
          fmt::format("device list '{}': more than {} devices in all", text, kMaxDevices));
    kinds.insert(kinds.end(), static_cast<size_t>(count), *kind);
    if (comma == text.size()) break;
    pos = comma + 1;
  }
  return kinds;
}

std::string FormatDeviceList(std::span<const DeviceKind> kinds) {
  std::string out;
  size_t i = 0;
  while (i < kinds.size()) {
    size_t j = i;
    while (j < kinds.size() && kinds[j] == kinds[i]) ++j;
    if (!out.empty()) out += ",";
    out += fmt::format("{}:{}", DeviceKindName(kinds[i]), j - i);
    i = j;
  }
  return out;
}

}  // namespace segpipe
