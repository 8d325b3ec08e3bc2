// Differential tests: every fast (oneDNN-backed) kernel against the reference kernel on random
// data, max |difference| <= 1 per output element (TFLite rounds in fixed point, the fast
// kernels in float). Configurations: the paper's FC and CONV layers and the layer kinds of the
// real models built in code, plus every distinct CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED
// configuration that occurs in ../shared/models, with the models' own weights.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "segpipe/kernels/internal/kernel.h"
#include "segpipe/kernels/internal/dnnl_layer_models.h"
#include "segpipe/kernels/internal/dnnl_util.h"
#include "segpipe/model/model.h"
#include "segpipe/tflite/internal/reader.h"

namespace segpipe {
namespace {

struct Comparison {
  int max_abs_diff = 0;
  int64_t elements = 0;
};

// Runs `op_index` of `model` with the reference and the fast kernel on the same random inputs
// (`trials` draws) and reports the largest difference. Fails the test if the fast kernel is
// missing, except where this CPU leaves the op to the reference kernel (no VNNI: oneDNN's int8
// arithmetic is not exact there; see Int8DotProductsAreExact).
Comparison CompareKernels(const Model& model, int op_index, uint32_t seed, int trials,
                          int num_threads = 1) {
  Comparison result;
  const Op& op = model.ops[static_cast<size_t>(op_index)];
  auto reference = PrepareReferenceKernel(model, op_index);
  EXPECT_TRUE(reference.ok()) << reference.status().ToString();
  auto fast = PrepareFastKernel(model, op_index, {.kernels = KernelSet::kFast,
                                                  .num_threads = num_threads});
  EXPECT_TRUE(fast.ok()) << fast.status().ToString();
  if (!reference.ok() || !fast.ok()) return result;
  if (*fast == nullptr) {
    EXPECT_FALSE(dnnl_kernels::Int8DotProductsAreExact()) << "no fast kernel for "
                                                          << OpTypeName(op.type);
    return result;
  }

  std::mt19937 rng(seed);
  std::vector<std::vector<uint8_t>> inputs;
  std::vector<const uint8_t*> in_ptrs;
  for (int32_t t : op.inputs) {
    if (t < 0) {
      in_ptrs.push_back(nullptr);
      continue;
    }
    const Tensor& tensor = model.tensor(t);
    if (tensor.is_constant) {
      in_ptrs.push_back(tensor.data.data());
      continue;
    }
    inputs.emplace_back(static_cast<size_t>(tensor.num_bytes()));
    in_ptrs.push_back(inputs.back().data());
  }
  const Tensor& out_tensor = model.tensor(op.outputs[0]);
  std::vector<uint8_t> out_reference(static_cast<size_t>(out_tensor.num_bytes()));
  std::vector<uint8_t> out_fast(out_reference.size());
  uint8_t* ref_ptr = out_reference.data();
  uint8_t* fast_ptr = out_fast.data();
  const bool is_signed = out_tensor.type == DataType::kInt8;
  for (int trial = 0; trial < trials; ++trial) {
    // Re-point after filling: `inputs` no longer grows, so its buffers are stable.
    size_t next = 0;
    for (size_t i = 0; i < op.inputs.size(); ++i) {
      if (op.inputs[i] < 0 || model.tensor(op.inputs[i]).is_constant) continue;
      std::vector<uint8_t>& buffer = inputs[next++];
      for (uint8_t& b : buffer) b = static_cast<uint8_t>(rng());
      in_ptrs[i] = buffer.data();
    }
    std::fill(out_fast.begin(), out_fast.end(), 0x5a);
    (*reference)->Run({.inputs = in_ptrs, .outputs = std::span<uint8_t* const>(&ref_ptr, 1)});
    (*fast)->Run({.inputs = in_ptrs, .outputs = std::span<uint8_t* const>(&fast_ptr, 1)});
    for (size_t i = 0; i < out_fast.size(); ++i) {
      const int a = is_signed ? static_cast<int8_t>(out_reference[i]) : out_reference[i];
      const int b = is_signed ? static_cast<int8_t>(out_fast[i]) : out_fast[i];
      result.max_abs_diff = std::max(result.max_abs_diff, std::abs(a - b));
    }
    result.elements += static_cast<int64_t>(out_fast.size());
  }
  return result;
}

class BuiltLayerTest : public ::testing::TestWithParam<LayerSpec> {};

TEST_P(BuiltLayerTest, FastMatchesReferenceWithinOne) {
  const LayerSpec& spec = GetParam();
  const Model model = BuildLayerModel(spec, /*seed=*/1234);
  const Comparison c = CompareKernels(model, 0, /*seed=*/99, /*trials=*/2);
  EXPECT_LE(c.max_abs_diff, 1) << spec.name;
  EXPECT_TRUE(c.elements > 0 || !dnnl_kernels::Int8DotProductsAreExact());
}

TEST_P(BuiltLayerTest, TwoThreadsMatchReferenceWithinOne) {
  const LayerSpec& spec = GetParam();
  const Model model = BuildLayerModel(spec, /*seed=*/77);
  const Comparison c = CompareKernels(model, 0, /*seed=*/5, /*trials=*/1, /*num_threads=*/2);
  EXPECT_LE(c.max_abs_diff, 1) << spec.name;
}

INSTANTIATE_TEST_SUITE_P(Layers, BuiltLayerTest, ::testing::ValuesIn(TestLayerSpecs()),
                         [](const auto& info) { return info.param.name; });

// The output must actually vary, or "within 1" would prove nothing: the built layers are
// quantized so that their outputs spread over the range.
TEST(BuiltLayerModelTest, OutputsSpreadOverTheRange) {
  for (const LayerSpec& spec : TestLayerSpecs()) {
    const Model model = BuildLayerModel(spec, 1234);
    auto kernel = PrepareReferenceKernel(model, 0);
    ASSERT_TRUE(kernel.ok()) << kernel.status().ToString();
    const Tensor& in = model.tensor(model.inputs[0]);
    std::vector<uint8_t> input(static_cast<size_t>(in.num_bytes()));
    std::mt19937 rng(3);
    for (uint8_t& b : input) b = static_cast<uint8_t>(rng());
    std::vector<const uint8_t*> ins;
    for (int32_t t : model.ops[0].inputs) {
      ins.push_back(t < 0 ? nullptr
                          : model.tensor(t).is_constant ? model.tensor(t).data.data()
                                                        : input.data());
    }
    std::vector<uint8_t> out(static_cast<size_t>(model.tensor(model.outputs[0]).num_bytes()));
    uint8_t* out_ptr = out.data();
    (*kernel)->Run({.inputs = ins, .outputs = std::span<uint8_t* const>(&out_ptr, 1)});
    const std::set<uint8_t> distinct(out.begin(), out.end());
    EXPECT_GE(distinct.size(), std::min<size_t>(out.size() / 4, 16)) << spec.name;
  }
}

// Malformed ops must not crash the fast path: it declines them (nullptr) and the reference kernel,
// which runs next, reports the problem.
TEST(FastKernelTest, DeclinesMalformedOps) {
  const std::vector<LayerSpec> specs = TestLayerSpecs();
  for (const LayerSpec& spec : specs) {
    {
      Model model = BuildLayerModel(spec, 1);
      model.ops[0].inputs[1] = static_cast<int32_t>(model.tensors.size()) + 5;
      auto kernel = PrepareFastKernel(model, 0, {});
      ASSERT_TRUE(kernel.ok()) << spec.name;
      EXPECT_EQ(*kernel, nullptr) << spec.name << ": dangling weights index";
    }
    {
      Model model = BuildLayerModel(spec, 1);
      Tensor& weights = model.tensor(model.ops[0].inputs[1]);
      weights.data.resize(weights.data.size() / 2);
      auto kernel = PrepareFastKernel(model, 0, {});
      ASSERT_TRUE(kernel.ok()) << spec.name;
      EXPECT_EQ(*kernel, nullptr) << spec.name << ": truncated weights";
    }
    if (spec.bias) {
      Model model = BuildLayerModel(spec, 1);
      model.tensor(model.ops[0].inputs[2]).data.resize(4);
      auto kernel = PrepareFastKernel(model, 0, {});
      ASSERT_TRUE(kernel.ok()) << spec.name;
      EXPECT_EQ(*kernel, nullptr) << spec.name << ": truncated bias";
    }
    if (spec.type != OpType::kFullyConnected) {
      Model model = BuildLayerModel(spec, 1);
      model.tensor(model.outputs[0]).shape[1] += 3;
      auto kernel = PrepareFastKernel(model, 0, {});
      ASSERT_TRUE(kernel.ok()) << spec.name;
      EXPECT_EQ(*kernel, nullptr) << spec.name << ": output height does not match the padding";
    }
  }
}

TEST(FastKernelTest, DeclinesOpsWithoutAFastVersion) {
  Model model = BuildLayerModel(TestLayerSpecs()[0], 1);
  model.ops[0].options.activation = Activation::kTanh;  // not a clamp: reference only
  auto kernel = PrepareFastKernel(model, 0, {});
  ASSERT_TRUE(kernel.ok());
  EXPECT_EQ(*kernel, nullptr);
  model.ops[0].type = OpType::kMaxPool2D;
  kernel = PrepareFastKernel(model, 0, {});
  ASSERT_TRUE(kernel.ok());
  EXPECT_EQ(*kernel, nullptr);
}

// A key naming everything a kernel's code path depends on, so each distinct configuration of
// the corpus is checked once (MobileNets repeat the same layer shapes many times).
std::string ConfigKey(const Model& model, const Op& op) {
  const Tensor& in = model.tensor(op.inputs[0]);
  const Tensor& w = model.tensor(op.inputs[1]);
  const Tensor& out = model.tensor(op.outputs[0]);
  auto dims = [](const std::vector<int32_t>& shape) {
    std::string s;
    for (int32_t d : shape) s += std::to_string(d) + "x";
    return s;
  };
  return std::string(OpTypeName(op.type)) + " in" + dims(in.shape) + " w" + dims(w.shape) +
         " out" + dims(out.shape) + " " + QuantizationKind(w) + " s" +
         std::to_string(op.options.stride_h) + std::to_string(op.options.stride_w) + " d" +
         std::to_string(op.options.dilation_h) + std::to_string(op.options.dilation_w) + " p" +
         std::to_string(static_cast<int>(op.options.padding)) + " " +
         std::string(ActivationName(op.options.activation)) +
         (op.inputs.size() > 2 && op.inputs[2] >= 0 ? " bias" : "");
}

std::vector<std::string> CorpusModels() {
  return {"coral/mobilenet_v1_0.25_128_quant.tflite",
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
          "tflite_micro/micro_speech_quantized.tflite"};
}

TEST(CorpusLayerTest, EveryWeightedLayerConfigurationMatchesReferenceWithinOne) {
  std::set<std::string> seen;
  int checked = 0;
  for (const std::string& name : CorpusModels()) {
    const std::string path = std::string(SEGPIPE_SHARED_DIR) + "/models/" + name;
    auto model = ReadTfliteFile(path);
    ASSERT_TRUE(model.ok()) << path << ": " << model.status().ToString();
    for (size_t i = 0; i < model->ops.size(); ++i) {
      const Op& op = model->ops[i];
      if (op.type != OpType::kConv2D && op.type != OpType::kDepthwiseConv2D &&
          op.type != OpType::kFullyConnected) {
        continue;
      }
      if (!seen.insert(ConfigKey(*model, op)).second) continue;
      auto single = ExtractSegment(*model, static_cast<int>(i), static_cast<int>(i));
      ASSERT_TRUE(single.ok()) << single.status().ToString();
      SCOPED_TRACE(name + " op " + std::to_string(i) + ": " + ConfigKey(*model, op));
      const Comparison c = CompareKernels(*single, 0, /*seed=*/static_cast<uint32_t>(i), 1);
      EXPECT_LE(c.max_abs_diff, 1);
      ++checked;
    }
  }
  // The corpus holds dozens of distinct weighted layers; a reader regression must not make
  // this test vacuous.
  EXPECT_GE(checked, 40);
}

}  // namespace
}  // namespace segpipe
