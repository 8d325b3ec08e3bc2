// Segmented execution is bit-identical to unsegmented execution: every supported model in
// ../shared/models and synthesized FC/CONV models, cut into 2, 3 and 4 CPU segments at several
// op boundaries (also inside MobileNet v2's residual blocks, so tensors must be forwarded past
// stages), run through the threaded Pipeline on CpuDevices and compared byte for byte with one
// Executor running the whole model.
#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "segpipe/device/internal/cpu_device.h"
#include "segpipe/exec/internal/executor.h"
#include "segpipe/pipeline/internal/pipeline.h"
#include "segpipe/pipeline/internal/toy_model_testutil.h"
#include "segpipe/synth/internal/paper_models.h"
#include "segpipe/tflite/internal/reader.h"

namespace segpipe {
namespace {

constexpr int kInputs = 2;

std::vector<std::vector<uint8_t>> RandomInput(const Model& m, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::vector<uint8_t>> in;
  for (int32_t t : m.inputs) {
    std::vector<uint8_t> bytes(static_cast<size_t>(m.tensor(t).num_bytes()));
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
    in.push_back(std::move(bytes));
  }
  return in;
}

// Splits into `stages` ranges: evenly spaced, then random ones from a fixed seed.
std::vector<std::vector<int>> SplitsOf(int num_ops, int stages, int count, uint64_t seed) {
  std::vector<std::vector<int>> splits;
  if (num_ops < stages) return splits;
  std::vector<int> even;
  for (int i = 1; i < stages; ++i) even.push_back(num_ops * i / stages - 1);
  even.push_back(num_ops - 1);
  splits.push_back(even);
  std::mt19937_64 rng(seed);
  for (int c = 1; c < count; ++c) {
    std::vector<int> cuts;
    while (static_cast<int>(cuts.size()) < stages - 1) {
      int cut = static_cast<int>(rng() % static_cast<uint64_t>(num_ops - 1));
      if (std::find(cuts.begin(), cuts.end(), cut) == cuts.end()) cuts.push_back(cut);
    }
    std::sort(cuts.begin(), cuts.end());
    cuts.push_back(num_ops - 1);
    splits.push_back(cuts);
  }
  return splits;
}

// Runs `model` whole and as a pipeline for each split; returns how many splits were checked.
int ExpectSegmentedEqualsWhole(const Model& model, const std::string& name, int splits_per_count) {
  StatusOr<std::unique_ptr<Executor>> whole = Executor::Create(model, KernelOptions{});
  if (!whole.ok()) {
    ADD_FAILURE() << name << ": " << whole.status().ToString();
    return 0;
  }
  std::vector<std::vector<std::vector<uint8_t>>> inputs, expected;
  for (int k = 0; k < kInputs; ++k) {
    inputs.push_back(RandomInput(model, 100 + static_cast<uint64_t>(k)));
    StatusOr<std::vector<std::vector<uint8_t>>> out = (*whole)->Run(inputs.back());
    EXPECT_TRUE(out.ok());
    expected.push_back(*out);
  }
  int checked = 0;
  const int num_ops = static_cast<int>(model.ops.size());
  for (int stages = 2; stages <= 4; ++stages) {
    for (const std::vector<int>& split : SplitsOf(num_ops, stages, splits_per_count, stages)) {
      SCOPED_TRACE(fmt::format("{}: split {}", name, fmt::join(split, ",")));
      std::vector<std::unique_ptr<Device>> devices;
      for (int s = 0; s < stages; ++s) devices.push_back(std::make_unique<CpuDevice>());
      StatusOr<std::unique_ptr<Pipeline>> p = Pipeline::Create(model, split, std::move(devices));
      if (!p.ok() || !(*p)->Start().ok()) {
        ADD_FAILURE() << "pipeline setup: " << p.status().ToString();
        return checked;
      }
      std::vector<std::vector<std::span<const uint8_t>>> ins;
      std::vector<std::vector<std::vector<uint8_t>>> outs(kInputs);
      std::vector<std::vector<std::span<uint8_t>>> out_spans;
      for (int k = 0; k < kInputs; ++k) {
        ins.emplace_back(inputs[static_cast<size_t>(k)].begin(), inputs[static_cast<size_t>(k)].end());
        for (int32_t t : model.outputs) outs[static_cast<size_t>(k)].emplace_back(model.tensor(t).num_bytes(), 0xEE);
        out_spans.emplace_back(outs[static_cast<size_t>(k)].begin(), outs[static_cast<size_t>(k)].end());
      }
      std::vector<Status> statuses(kInputs);
      testing::RunWithDeadline([&] { ASSERT_TRUE((*p)->RunBatch(ins, out_spans, statuses).ok()); });
      for (int k = 0; k < kInputs; ++k)
        EXPECT_TRUE(outs[static_cast<size_t>(k)] == expected[static_cast<size_t>(k)]) << "input " << k;
      ++checked;
    }
  }
  return checked;
}

TEST(SegmentedEquivalenceTest, SharedModelsAreBitIdenticalWhenSplitAcrossCpuStages) {
  const std::string dir = std::string(SEGPIPE_SHARED_DIR) + "/models/";
  // Every CPU model of the corpus that the executor supports (the others are refused with a
  // clear error elsewhere: LSTM, a custom op, an Edge TPU binary).
  const char* files[] = {
      "coral/mobilenet_v1_0.25_128_quant.tflite",
      "coral/mobilenet_v1_0.5_160_quant.tflite",
      "coral/mobilenet_v1_1.0_224_quant_embedding_extractor.tflite",
      "coral/tools__mobilenet_quant_v1_224_head_layers.tflite",
      "coral/mobilenet_v2_1.0_224_quant.tflite",
      "coral/mobilenet_v2_1.0_224_inat_bird_quant.tflite",
      "coral/tf2_mobilenet_v2_1.0_224_ptq.tflite",
      "coral/deeplabv3_mnv2_dm05_pascal_quant.tflite",
      "coral/tools__split_concat.tflite",
      "tflite_micro/person_detect.tflite",
      "tflite_micro/hello_world_int8.tflite",
      "tflite_micro/micro_speech_quantized.tflite",
  };
  for (const char* file : files) {
    StatusOr<Model> model = ReadTfliteFile(dir + file);
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    const int checked = ExpectSegmentedEqualsWhole(*model, file, 3);
    if (model->ops.size() >= 4) {
      EXPECT_EQ(checked, 9) << file;
    }
  }
}

TEST(SegmentedEquivalenceTest, SplitsInsideResidualBlocksForwardTheSkipTensor) {
  StatusOr<Model> model =
      ReadTfliteFile(std::string(SEGPIPE_SHARED_DIR) + "/models/coral/mobilenet_v2_1.0_224_quant.tflite");
  ASSERT_TRUE(model.ok());
  // Find cuts where a tensor produced before the cut is read two or more stages later: then
  // an intermediate stage must forward it.
  std::vector<int> adds;
  for (size_t i = 0; i < model->ops.size(); ++i)
    if (model->ops[i].type == OpType::kAdd) adds.push_back(static_cast<int>(i));
  ASSERT_GE(adds.size(), 2u);
  const int a = adds[1];  // cut one op before and one op after the block's start
  const std::vector<int> split = {a - 3, a - 1, static_cast<int>(model->ops.size()) - 1};
  StatusOr<PipelinePlan> plan = MakePipelinePlan(*model, split);
  ASSERT_TRUE(plan.ok());
  EXPECT_FALSE(plan->stages[1].forwards.empty()) << "the skip tensor must pass stage 1";
  std::vector<std::unique_ptr<Device>> devices;
  for (int s = 0; s < 3; ++s) devices.push_back(std::make_unique<CpuDevice>());
  StatusOr<std::unique_ptr<Executor>> whole = Executor::Create(*model, KernelOptions{});
  ASSERT_TRUE(whole.ok());
  std::vector<std::vector<uint8_t>> in = RandomInput(*model, 7);
  StatusOr<std::vector<std::vector<uint8_t>>> expected = (*whole)->Run(in);
  ASSERT_TRUE(expected.ok());
  StatusOr<std::unique_ptr<Pipeline>> p = Pipeline::Create(*model, split, std::move(devices));
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE((*p)->Start().ok());
  std::vector<std::span<const uint8_t>> ins(in.begin(), in.end());
  std::vector<std::vector<uint8_t>> out;
  for (int32_t t : model->outputs) out.emplace_back(model->tensor(t).num_bytes());
  std::vector<std::span<uint8_t>> outs(out.begin(), out.end());
  testing::RunWithDeadline([&] {
    ASSERT_TRUE((*p)->Push(ins).ok());
    std::optional<PopResult> r = (*p)->Pop(outs);
    ASSERT_TRUE(r && r->status.ok());
  });
  EXPECT_TRUE(out == *expected);
}

TEST(SegmentedEquivalenceTest, SynthesizedFcAndConvModelsAreBitIdentical) {
  synth::FcConfig fc;
  fc.hidden = 140;
  StatusOr<synth::SynthModel> fc_model = synth::SynthesizeFc(fc);
  ASSERT_TRUE(fc_model.ok()) << fc_model.status().ToString();
  EXPECT_GT(ExpectSegmentedEqualsWhole(fc_model->model, "FC n=140", 3), 0);
  synth::ConvConfig conv;
  conv.filters = 32;
  conv.calibration_inputs = 4;
  StatusOr<synth::SynthModel> conv_model = synth::SynthesizeConv(conv);
  ASSERT_TRUE(conv_model.ok()) << conv_model.status().ToString();
  EXPECT_GT(ExpectSegmentedEqualsWhole(conv_model->model, "CONV f=32", 3), 0);
}

}  // namespace
}  // namespace segpipe
