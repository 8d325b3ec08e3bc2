// Placement and timing of the Edge TPU model on the paper's models, checked against the
// authors' reports.
#include "segpipe/device/internal/edgetpu_model.h"
#include "segpipe/device/internal/pipeline_time.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "segpipe/device/internal/edgetpu_compiler.h"
#include "segpipe/synth/internal/paper_models.h"

namespace segpipe {
namespace {

// Shape-only synthesis (no representative-data run): placement depends on shapes alone.
Model FcModel(int hidden) {
  synth::FcConfig c;
  c.hidden = hidden;
  c.calibration_inputs = 0;
  return synth::SynthesizeFc(c).value().model;
}

Model ConvModel(int filters) {
  synth::ConvConfig c;
  c.filters = filters;
  c.calibration_inputs = 0;
  return synth::SynthesizeConv(c).value().model;
}

TEST(EdgeTpuPlacementTest, FirstConvLayerPadsInputChannelsToFour) {
  const Model m = ConvModel(32);
  const EdgeTpuSpec spec;
  // 3x3 kernel over 3 -> 4 padded input channels, + 8 bytes per-channel overhead, 64 channels.
  EXPECT_EQ(EdgeTpuWeightBytes(m, m.ops[0], spec), (9 * 4 + 8) * 64);
  EXPECT_EQ(EdgeTpuWeightBytes(m, m.ops[1], spec), (9 * 32 + 8) * 64);
}

TEST(EdgeTpuPlacementTest, CachesFromTheLastLayerAndKeepsWalking) {
  // n = 1620: layer 2 does not fit after 5, 4, 3 are cached, but layer 1 (smaller) still does.
  const Model m = FcModel(1620);
  auto p = PlaceSegment(m, 0, static_cast<int>(m.ops.size()) - 1, EdgeTpuSpec{});
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->layers.size(), 5u);
  EXPECT_TRUE(p->layers[0].on_chip);
  EXPECT_FALSE(p->layers[1].on_chip);
  EXPECT_TRUE(p->layers[2].on_chip);
  EXPECT_EQ(p->layers[1].first_op, 2);  // FULLY_CONNECTED + TANH per hidden layer
  EXPECT_EQ(p->layers[1].last_op, 3);
  EXPECT_EQ(p->input_bytes, 64);
  EXPECT_EQ(p->output_bytes, 10);
  EXPECT_EQ(p->on_chip_bytes + p->off_chip_bytes, 64 * 1664 + 3 * 1620 * 1664 + 1620 * 64);
}

TEST(EdgeTpuPlacementTest, SegmentInputActivationTakesCapacity) {
  const Model m = ConvModel(402);
  EdgeTpuSpec spec;
  auto whole = PlaceSegment(m, 0, 4, spec);
  auto tail = PlaceSegment(m, 1, 4, spec);
  ASSERT_TRUE(whole.ok() && tail.ok());
  EXPECT_EQ(tail->input_bytes, 64 * 64 * 402);
  EXPECT_EQ(whole->remaining_bytes, spec.on_chip_capacity_bytes - whole->input_bytes -
                                        whole->on_chip_bytes);
  spec.on_chip_capacity_bytes = tail->input_bytes + tail->layers.back().weight_bytes;
  auto tight = PlaceSegment(m, 1, 4, spec);
  ASSERT_TRUE(tight.ok());
  EXPECT_EQ(tight->on_chip_bytes, tail->layers.back().weight_bytes);
}

TEST(EdgeTpuPlacementTest, RejectsBadRanges) {
  const Model m = FcModel(100);
  EXPECT_FALSE(PlaceSegment(m, 3, 2, EdgeTpuSpec{}).ok());
  EXPECT_FALSE(PlaceSegment(m, 0, 99, EdgeTpuSpec{}).ok());
  EXPECT_FALSE(PlaceSegment(m, -1, 2, EdgeTpuSpec{}).ok());
}

TEST(EdgeTpuTimingTest, StreamingAddsLinkTimeForOffChipWeights) {
  const Model m = FcModel(2020);
  const EdgeTpuSpec spec;
  auto t = EstimateSegmentTiming(m, 0, static_cast<int>(m.ops.size()) - 1, spec);
  auto p = PlaceSegment(m, 0, static_cast<int>(m.ops.size()) - 1, spec);
  ASSERT_TRUE(t.ok() && p.ok());
  EXPECT_NEAR(t->stream_ns,
              spec.stream_setup_ns + p->off_chip_bytes * 1e9 / spec.stream_link_bytes_per_s, 1.0);
  EXPECT_EQ(t->restream_ns, 0);  // FC layers are never re-streamed
  EXPECT_NEAR(t->total_ns(), t->invoke_ns + t->input_transfer_ns + t->output_transfer_ns +
                                 t->compute_ns + t->stream_ns,
              1e-6);
}

TEST(EdgeTpuTimingTest, OutputTransferOverlapsTheLastLayer) {
  // One 3x3 layer on a 64x64x402 input: input copied in first, output written out while the
  // layer runs, so the segment pays the longer of the output transfer and the layer.
  const Model m = ConvModel(402);
  EdgeTpuSpec added;
  added.output_overlaps_last_layer = false;
  auto overlapped = EstimateSegmentTiming(m, 1, 1, EdgeTpuSpec{});
  auto summed = EstimateSegmentTiming(m, 1, 1, added);
  ASSERT_TRUE(overlapped.ok() && summed.ok());
  const double layer_ns = summed->compute_ns;
  const double output_ns = summed->output_transfer_ns;
  EXPECT_GT(output_ns, 0);
  EXPECT_EQ(overlapped->input_transfer_ns, summed->input_transfer_ns);
  EXPECT_NEAR(overlapped->total_ns(), summed->total_ns() - std::min(layer_ns, output_ns), 1e-6);
  EXPECT_NEAR(overlapped->output_transfer_ns, std::max(0.0, output_ns - layer_ns), 1e-6);
}

TEST(EdgeTpuTimingTest, TiledStreamedConvLayersStreamWeightsPerTile) {
  const Model m = ConvModel(452);  // layer 2 streamed
  EdgeTpuSpec spec;
  spec.restream_tile_budget_bytes = 1 << 30;  // everything fits: one pass
  auto one = EstimateSegmentTiming(m, 0, 4, spec);
  spec.restream_tile_budget_bytes = 64 * 64 * 452;  // input + output = 2 tiles
  auto two = EstimateSegmentTiming(m, 0, 4, spec);
  ASSERT_TRUE(one.ok() && two.ok());
  EXPECT_EQ(one->max_weight_passes, 1);
  EXPECT_EQ(two->max_weight_passes, 2);
  EXPECT_NEAR(two->restream_ns, one->stream_ns - spec.stream_setup_ns, 1.0);
}

TEST(EdgeTpuTimingTest, ConvComputeScalesWithPaddedMacs) {
  const EdgeTpuSpec spec;
  auto a = EstimateSegmentTiming(ConvModel(128), 1, 1, spec);
  auto b = EstimateSegmentTiming(ConvModel(130), 1, 1, spec);  // pads to 192 output channels
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_GT(b->compute_ns, a->compute_ns * 1.4);
}

TEST(PipelineTimeTest, PaperProfileSerializesHostWork) {
  HostProfile host = PaperHostProfile();
  auto wall = [&](int batch) {
    std::vector<PipelineStageTime> stages(2, {.time = StageTimeNs(100e3, host)});
    return EstimatePipelineTime(stages, HostOverheadsNs(host)).BatchWall(batch);
  };
  const double one = wall(1);
  const double fifty = wall(50);
  EXPECT_NEAR(one, host.startup_ns + 2 * (host.per_stage_host_ns + 100e3), 1e-6);
  // Period = 2 x host work (serialized), not the bottleneck stage.
  EXPECT_NEAR(fifty - one, 49 * 2 * host.per_stage_host_ns, 1e-6);
  host = NativeHostProfile();
  EXPECT_NEAR(wall(50) - wall(1), 49 * (100e3 + host.per_hop_ns), 1e-6);
  EXPECT_FALSE(HostProfileByName("python").ok());
}

TEST(PipelineTimeTest, ReplicasDivideTheirStageAndTheSharedLinkAddsUp) {
  const PipelineStageTime stages[] = {{.time = 10, .replicas = 1, .link = 3},
                                      {.time = 30, .replicas = 3, .link = 4}};
  PipelineTime t = EstimatePipelineTime(stages, {.serialized_per_stage = 0, .fixed = 1});
  EXPECT_DOUBLE_EQ(t.latency, 41);
  EXPECT_DOUBLE_EQ(t.period, 10);
  EXPECT_DOUBLE_EQ(t.BatchWall(5), 81);
  const PipelineStageTime linked[] = {{.time = 10, .replicas = 2, .link = 6},
                                      {.time = 10, .replicas = 2, .link = 6}};
  EXPECT_DOUBLE_EQ(EstimatePipelineTime(linked, {}).period, 12);  // the link, not the stages
  EXPECT_DOUBLE_EQ(EstimatePipelineTime(linked, {.serialized_per_stage = 7}).period, 14);
}

}  // namespace
}  // namespace segpipe

namespace segpipe {
namespace {

TEST(EdgeTpuLinkTest, UsbIsTheSameChipBehindAnotherLink) {
  const EdgeTpuSpec pcie = EdgeTpuSpecFor(EdgeTpuLink::kPcie);
  const EdgeTpuSpec usb = EdgeTpuSpecFor(EdgeTpuLink::kUsb);
  EXPECT_EQ(EdgeTpuLinkName(EdgeTpuLink::kPcie), "edgetpu");
  EXPECT_EQ(EdgeTpuLinkName(EdgeTpuLink::kUsb), "edgetpu-usb");
  EXPECT_EQ(pcie.stream_link_bytes_per_s, EdgeTpuSpec{}.stream_link_bytes_per_s);
  EXPECT_NE(usb.stream_link_bytes_per_s, pcie.stream_link_bytes_per_s);
  EXPECT_EQ(usb.activation_link_bytes_per_s, usb.stream_link_bytes_per_s);
  EXPECT_EQ(usb.conv_array_efficiency, pcie.conv_array_efficiency);
  EXPECT_EQ(usb.on_chip_capacity_bytes, pcie.on_chip_capacity_bytes);
  // A caller's device keeps its own chip parameters behind the USB link.
  EdgeTpuSpec custom;
  custom.on_chip_capacity_bytes = 4 * kMiB;
  const EdgeTpuSpec custom_usb = WithLink(custom, EdgeTpuLink::kUsb);
  EXPECT_EQ(custom_usb.on_chip_capacity_bytes, 4 * kMiB);
  EXPECT_EQ(custom_usb.stream_link_bytes_per_s, usb.stream_link_bytes_per_s);
}

}  // namespace
}  // namespace segpipe
