// Partition helpers: device lists, validation, and the mapping between cut candidates and ops.
#include "segpipe/partition/internal/partition.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace segpipe {

std::string DeviceName(const StageDevice& device) {
  std::string name = fmt::format("{}:{}", DeviceKindName(device.kind), device.index);
  if (!device.host.empty()) name += "@" + device.host;
  return name;
}

StatusOr<StageDevice> ParseDeviceName(std::string_view full) {
  StatusOr<DeviceAndHost> split = SplitDeviceHost(full);
  if (!split.ok())
    return InvalidArgumentError(fmt::format("device '{}': {}", full, split.status().message()));
  const std::string_view text = split->device, host = split->host;
  const size_t colon = text.find(':');
  StatusOr<DeviceKind> kind = ParseDeviceKind(text.substr(0, colon));
  if (!kind.ok())
    return InvalidArgumentError(fmt::format("device '{}': {}; expected KIND:INDEX, e.g. edgetpu:0",
                                            text, kind.status().message()));
  StageDevice device{*kind, 0, std::string(host)};
  if (colon != std::string_view::npos) {
    std::string_view n = text.substr(colon + 1);
    auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), device.index);
    if (ec != std::errc() || end != n.data() + n.size() || device.index < 0 ||
        device.index >= kMaxDevices)
      return InvalidArgumentError(fmt::format("device '{}': '{}' is not a device index (0 to {})",
                                              text, n, kMaxDevices - 1));
  }
  return device;
}

StatusOr<std::vector<StageDevice>> ParseStageDevices(std::string_view text) {
  SEGPIPE_ASSIGN_OR_RETURN(std::vector<DeviceSpec> specs, ParseDevices(text));
  std::vector<StageDevice> devices;
  int next_index[kNumDeviceKinds] = {};
  for (const DeviceSpec& d : specs)
    devices.push_back({d.kind, next_index[static_cast<int>(d.kind)]++, d.host});
  return devices;
}

std::string FormatStageDevices(std::span<const StageDevice> devices) {
  std::vector<DeviceSpec> specs;
  for (const StageDevice& d : devices) specs.push_back({d.kind, d.host});
  return FormatDevices(specs);
}

int Partition::num_devices() const {
  int n = 0;
  for (const Segment& s : segments) n += s.replicas;
  return n;
}

Status ValidatePartition(const Partition& partition, int num_ops) {
  if (partition.segments.empty()) return InvalidArgumentError("plan has no segments");
  int next = 0;
  for (size_t k = 0; k < partition.segments.size(); ++k) {
    const Segment& s = partition.segments[k];
    if (s.first_op != next || s.last_op < s.first_op)
      return InvalidArgumentError(fmt::format(
          "plan segment {} covers ops [{}, {}], expected a non-empty range starting at op {}", k,
          s.first_op, s.last_op, next));
    if (s.replicas < 1)
      return InvalidArgumentError(fmt::format("plan segment {} has {} replicas", k, s.replicas));
    next = s.last_op + 1;
  }
  if (next != num_ops)
    return InvalidArgumentError(fmt::format(
        "plan covers ops [0, {}] but the model has {} ops", next - 1, num_ops));
  return OkStatus();
}

std::vector<int> CutCandidates(const Model& model) { return LayerEnds(model); }

Partition PartitionFromUnits(std::span<const int> unit_ends, std::span<const int> last_unit,
                             std::span<const StageDevice> devices) {
  SEGPIPE_CHECK(last_unit.size() <= devices.size());
  Partition p;
  int first_op = 0;
  for (size_t k = 0; k < last_unit.size(); ++k) {
    const int last_op = unit_ends[static_cast<size_t>(last_unit[k])];
    p.segments.push_back({first_op, last_op, devices[k], 1});
    first_op = last_op + 1;
  }
  return p;
}

StatusOr<std::vector<int>> UnitsOfPartition(const Partition& partition,
                                            std::span<const int> unit_ends) {
  std::vector<int> units;
  for (const Segment& s : partition.segments) {
    auto it = std::lower_bound(unit_ends.begin(), unit_ends.end(), s.last_op);
    if (it == unit_ends.end() || *it != s.last_op)
      return InvalidArgumentError(
          fmt::format("segment ending at op {} does not end at a layer end", s.last_op));
    units.push_back(static_cast<int>(it - unit_ends.begin()));
  }
  return units;
}

std::string FormatLayers(const Partition& partition, std::span<const int> layer_ends) {
  std::string out;
  for (const Segment& s : partition.segments) {
    const int first_layer = static_cast<int>(
        std::lower_bound(layer_ends.begin(), layer_ends.end(), s.first_op) - layer_ends.begin());
    auto it = std::lower_bound(layer_ends.begin(), layer_ends.end(), s.last_op);
    if (it == layer_ends.end() || *it != s.last_op) {
      out += fmt::format("[ops {}-{}]", s.first_op, s.last_op);
      continue;
    }
    const int last_layer = static_cast<int>(it - layer_ends.begin());
    // The paper lists layers ("[1,2][3]"); long runs read better as ranges ("[1-26]").
    if (last_layer - first_layer >= 5) {
      out += fmt::format("[{}-{}]", first_layer + 1, last_layer + 1);
    } else {
      out += "[";
      for (int l = first_layer; l <= last_layer; ++l)
        out += fmt::format("{}{}", l == first_layer ? "" : ",", l + 1);
      out += "]";
    }
    if (s.replicas > 1) out += fmt::format("x{}", s.replicas);
  }
  return out;
}

}  // namespace segpipe
