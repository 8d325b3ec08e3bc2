// `--devices` of `segpipe run`: both Edge TPU links, alone and mixed with CPUs.
#include <gtest/gtest.h>

#include "segpipe/pipeline/run.h"

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
  auto bad = ParseDeviceList("edgetpu-pci:1");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("edgetpu-usb"), std::string::npos);
}

}  // namespace
}  // namespace segpipe
