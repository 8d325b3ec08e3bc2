// Device lists, partition validation and layer formatting, split counting and enumeration.
#include "segpipe/partition/internal/partition.h"

#include <gtest/gtest.h>

#include "segpipe/partition/internal/split.h"

namespace segpipe {
namespace {

TEST(DeviceListTest, ParsesKindsCountsAndMixedLists) {
  auto d = ParseStageDevices("cpu:1,edgetpu:3");
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->size(), 4u);
  EXPECT_EQ((*d)[0], (StageDevice{StageDevice::Kind::kCpu, 0}));
  EXPECT_EQ((*d)[3], (StageDevice{StageDevice::Kind::kEdgeTpu, 2}));
  EXPECT_EQ(FormatStageDevices(*d), "cpu:1,edgetpu:3");
  EXPECT_EQ(ParseStageDevices("edgetpu")->size(), 1u);
  EXPECT_EQ(DeviceName((*d)[2]), "edgetpu:1");
  EXPECT_EQ(*ParseDeviceName("edgetpu:1"), (*d)[2]);
}

TEST(DeviceListTest, RejectsBadListsWithAMessage) {
  for (const char* bad : {"gpu:2", "edgetpu:0", "edgetpu:-1", "edgetpu:x", "", "cpu:1,", "cpu:99"}) {
    auto d = ParseStageDevices(bad);
    EXPECT_FALSE(d.ok()) << bad;
    if (!d.ok()) {
      EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument) << bad;
    }
  }
  EXPECT_FALSE(ParseDeviceName("tpu0").ok());
}

TEST(PartitionTest, ValidatesConsecutiveCoverage) {
  const StageDevice tpu;
  Partition p{{{0, 3, tpu, 1}, {4, 9, tpu, 1}}};
  EXPECT_TRUE(ValidatePartition(p, 10).ok());
  EXPECT_FALSE(ValidatePartition(p, 11).ok());
  p.segments[1].first_op = 5;
  EXPECT_FALSE(ValidatePartition(p, 10).ok());
  EXPECT_FALSE(ValidatePartition(Partition{}, 10).ok());
}

TEST(PartitionTest, FormatsLayersAsThePaperDoes) {
  const std::vector<int> layer_ends = {1, 3, 5, 7, 8};  // FC + TANH pairs, last FC alone
  const std::vector<StageDevice> devices(3);
  const std::vector<int> last_unit = {1, 2, 4};
  Partition p = PartitionFromUnits(layer_ends, last_unit, devices);
  EXPECT_EQ(FormatLayers(p, layer_ends), "[1,2][3][4,5]");
  EXPECT_EQ(p.segments[1].first_op, 4);
  EXPECT_EQ(p.segments[1].last_op, 5);
  auto units = UnitsOfPartition(p, layer_ends);
  ASSERT_TRUE(units.ok());
  EXPECT_EQ(*units, last_unit);
  p.segments[0].replicas = 2;
  EXPECT_EQ(FormatLayers(p, layer_ends), "[1,2]x2[3][4,5]");
}

TEST(SplitTest, CountsAndEnumeratesEverySplitOnce) {
  EXPECT_EQ(CountSplits(5, 2), 4);
  EXPECT_EQ(CountSplits(5, 3), 6);
  EXPECT_EQ(CountSplits(5, 4), 4);
  EXPECT_EQ(CountSplits(500, 8), 1465266040247724LL);  // C(499, 7)
  EXPECT_EQ(CountSplits(3, 4), 0);
  for (int n = 1; n <= 8; ++n)
    for (int s = 1; s <= n; ++s) {
      int64_t seen = 0;
      ForEachSplit(n, s, [&](std::span<const int> last) {
        EXPECT_EQ(last.size(), static_cast<size_t>(s));
        for (size_t k = 1; k < last.size(); ++k) EXPECT_LT(last[k - 1], last[k]);
        EXPECT_EQ(last.back(), n - 1);
        ++seen;
        return true;
      });
      EXPECT_EQ(seen, CountSplits(n, s));
    }
}

}  // namespace
}  // namespace segpipe
