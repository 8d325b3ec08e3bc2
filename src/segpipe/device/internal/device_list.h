// The device vocabulary every command, plan file and library call shares: the kinds of device a
// pipeline stage runs on and the one parser of device lists (`--devices`).
//
//   SEGPIPE_ASSIGN_OR_RETURN(std::vector<DeviceKind> kinds,
//                            ParseDeviceList("cpu:1,edgetpu:2,edgetpu-usb:1"));
//   EdgeTpuSpec usb = SpecForDevice(EdgeTpuSpec{}, DeviceKind::kEdgeTpuUsb);
//
// A list is comma-separated `kind[:count][@HOST:PORT]` items (count 1 when omitted), used in that
// order: "edgetpu:4", "cpu:2", "cpu,edgetpu,edgetpu", "cpu:1,edgetpu:2,edgetpu-usb:1". A device
// with `@HOST:PORT` is served by the stage host (`segpipe serve`) listening there:
// "cpu:1@10.0.0.2:7070,edgetpu:2@10.0.0.3:7070". At most kMaxDevices devices in all: one limit
// for planning and running.
#ifndef SEGPIPE_DEVICE_INTERNAL_DEVICE_LIST_H_
#define SEGPIPE_DEVICE_INTERNAL_DEVICE_LIST_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "segpipe/core/status.h"
#include "segpipe/device/internal/edgetpu_model.h"

namespace segpipe {

// kCpu: a host CPU core ("cpu"); kEdgeTpu: the paper's PCIe M.2 module ("edgetpu");
// kEdgeTpuUsb: the USB 3.0 Accelerator ("edgetpu-usb"), the same chip behind another link.
enum class DeviceKind : uint8_t { kCpu, kEdgeTpu, kEdgeTpuUsb };
inline constexpr int kNumDeviceKinds = 3;

// The most devices a device list, a plan or a pipeline may use.
inline constexpr int kMaxDevices = 16;

std::string_view DeviceKindName(DeviceKind kind);  // "cpu", "edgetpu", "edgetpu-usb"
// Inverse of DeviceKindName ("tpu" is accepted for "edgetpu").
StatusOr<DeviceKind> ParseDeviceKind(std::string_view name);

bool IsEdgeTpu(DeviceKind kind);      // either link
EdgeTpuLink LinkOf(DeviceKind kind);  // kPcie for edgetpu (and cpu), kUsb for edgetpu-usb
// The Edge TPU spec of a device of `kind` built from `base` (placement is the same chip on
// either link; a USB device's invocations cross the USB link: WithLink).
EdgeTpuSpec SpecForDevice(const EdgeTpuSpec& base, DeviceKind kind);

// One device of a list: its kind, and the stage host serving it ("HOST:PORT"; empty: this
// process).
struct DeviceSpec {
  DeviceKind kind = DeviceKind::kCpu;
  std::string host;
  bool operator==(const DeviceSpec&) const = default;
};

// Parses a device list (see the top of this file). Fails with INVALID_ARGUMENT and a one-line
// message naming the list and the bad item.
StatusOr<std::vector<DeviceSpec>> ParseDevices(std::string_view text);
// The kinds of a device list, in order (its hosts, if any, are in ParseDevices).
StatusOr<std::vector<DeviceKind>> ParseDeviceList(std::string_view text);
// The shortest list that parses back to `kinds`: runs of one kind as "kind:count".
std::string FormatDeviceList(std::span<const DeviceKind> kinds);
// Likewise with hosts: "cpu:1@10.0.0.2:7070,edgetpu:2".
std::string FormatDevices(std::span<const DeviceSpec> devices);
bool HasRemoteDevices(std::span<const DeviceSpec> devices);

// One item of a list, or one device name, split at its '@': "cpu:2@10.0.0.2:7070" gives
// {"cpu:2", "10.0.0.2:7070"}; without '@' the host is empty. Fails when the host is not
// HOST:PORT (CheckHostAddress).
struct DeviceAndHost {
  std::string_view device, host;
};
StatusOr<DeviceAndHost> SplitDeviceHost(std::string_view item);

// Checks a stage host address "HOST:PORT" (a name, an IPv4 address or a bracketed IPv6 address,
// and a port from 1 to 65535; 0 too with `allow_any_port`, for an address to listen on).
Status CheckHostAddress(std::string_view address, bool allow_any_port = false);

}  // namespace segpipe

#endif  // SEGPIPE_DEVICE_INTERNAL_DEVICE_LIST_H_
