// The one device vocabulary: both Edge TPU links, alone and mixed with CPUs, and bad lists.
#include "segpipe/device/internal/device_list.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace segpipe {
namespace {

TEST(DeviceListTest, BothEdgeTpuLinksAndMixedLists) {
  auto usb = ParseDeviceList("edgetpu-usb:2");
  ASSERT_TRUE(usb.ok()) << usb.status().ToString();
  EXPECT_EQ(*usb, (std::vector<DeviceKind>{DeviceKind::kEdgeTpuUsb, DeviceKind::kEdgeTpuUsb}));
  auto mixed = ParseDeviceList("cpu,edgetpu,edgetpu-usb");
  ASSERT_TRUE(mixed.ok()) << mixed.status().ToString();
  EXPECT_EQ(*mixed, (std::vector<DeviceKind>{DeviceKind::kCpu, DeviceKind::kEdgeTpu,
                                             DeviceKind::kEdgeTpuUsb}));
  auto counted = ParseDeviceList("cpu:1,edgetpu:2,edgetpu-usb:1");
  ASSERT_TRUE(counted.ok()) << counted.status().ToString();
  EXPECT_EQ(*counted, (std::vector<DeviceKind>{DeviceKind::kCpu, DeviceKind::kEdgeTpu,
                                               DeviceKind::kEdgeTpu, DeviceKind::kEdgeTpuUsb}));
  EXPECT_EQ(FormatDeviceList(*counted), "cpu:1,edgetpu:2,edgetpu-usb:1");
  EXPECT_EQ(*ParseDeviceList(FormatDeviceList(*counted)), *counted);
  EXPECT_EQ(ParseDeviceList("tpu:2")->size(), 2u);
  EXPECT_EQ(ParseDeviceList("edgetpu")->size(), 1u);
  EXPECT_EQ(ParseDeviceList(fmt::format("edgetpu:{}", kMaxDevices))->size(),
            static_cast<size_t>(kMaxDevices));
}

TEST(DeviceListTest, BadListsGetOneLineMessages) {
  struct Case {
    const char* list;
    const char* says;
  };
  for (const Case& c :
       {Case{"edgetpu-pci:1", "unknown device kind 'edgetpu-pci'"},
        Case{"gpu:2", "expected cpu, edgetpu or edgetpu-usb"}, Case{"", "empty"},
        Case{"cpu:1,", "empty item"}, Case{"edgetpu:0", "'0' is not a positive device count"},
        Case{"edgetpu:-1", "not a positive device count"},
        Case{"edgetpu:x", "'x' is not a positive device count"},
        Case{"edgetpu:17", "more than 16 devices"},
        Case{"edgetpu:10,edgetpu-usb:7", "more than 16 devices"}}) {
    auto parsed = ParseDeviceList(c.list);
    ASSERT_FALSE(parsed.ok()) << c.list;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << c.list;
    const std::string message(parsed.status().message());
    EXPECT_NE(message.find(c.says), std::string::npos) << c.list << ": " << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

TEST(DeviceListTest, UsbDevicesGetTheUsbLinkOnTheSameChip) {
  const EdgeTpuSpec base;
  EXPECT_EQ(DeviceKindName(DeviceKind::kEdgeTpuUsb), "edgetpu-usb");
  EXPECT_TRUE(IsEdgeTpu(DeviceKind::kEdgeTpuUsb));
  EXPECT_FALSE(IsEdgeTpu(DeviceKind::kCpu));
  const EdgeTpuSpec usb = SpecForDevice(base, DeviceKind::kEdgeTpuUsb);
  const EdgeTpuSpec want = EdgeTpuSpecFor(EdgeTpuLink::kUsb);
  EXPECT_EQ(usb.invoke_overhead_ns, want.invoke_overhead_ns);
  EXPECT_EQ(usb.activation_link_bytes_per_s, want.activation_link_bytes_per_s);
  EXPECT_EQ(usb.on_chip_capacity_bytes, base.on_chip_capacity_bytes);
  EXPECT_EQ(SpecForDevice(base, DeviceKind::kEdgeTpu).invoke_overhead_ns, base.invoke_overhead_ns);
}

}  // namespace
}  // namespace segpipe
