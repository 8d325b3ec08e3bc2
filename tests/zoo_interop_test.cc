// Small zoo models as written by `segpipe synth zoo` run in the real TFLite runtime
// (WebAssembly, tests/node) and give our reference executor's outputs within +-1. Together
// they cover every op the zoo writes: depthwise convs, pads, residual adds, means and dense
// heads (mobilenet_v2); concatenations, max and average pools, reshape (inception_v1);
// unfolded batch normalizations as MUL + ADD, convs without bias (densenet121).
#include <gtest/gtest.h>

#include <filesystem>

#include "segpipe/exec/internal/executor.h"
#include "segpipe/synth/internal/paper_models.h"
#include "segpipe/synth/internal/zoo_models.h"
#include "segpipe/tflite/internal/writer.h"
#include "tflite_test_support.h"

namespace segpipe {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

void ExpectZooModelAgreesWithTflite(const std::string& name, int input_size) {
  synth::ZooConfig config;
  config.name = name;
  config.input_size = input_size;
  config.classes = 16;  // few classes: softmax outputs well above one quantum
  config.calibration_inputs = 2;
  auto m = synth::SynthesizeZoo(config);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const fs::path dir = fs::path(SEGPIPE_BINARY_DIR) / "zoo_interop_test" / name;
  fs::create_directories(dir);
  const std::string file = (dir / "model.tflite").string();
  ASSERT_TRUE(WriteTfliteFile(m->model, file).ok());

  std::vector<std::vector<Bytes>> sets;
  const int64_t size = int64_t{input_size} * input_size * 3;
  for (const std::vector<float>& x : synth::RepresentativeInputs(size, 4, 11)) {
    const std::vector<int8_t> q = synth::QuantizeInput(m->model, x);
    sets.push_back({Bytes(q.begin(), q.end())});
  }
  auto theirs = testing_support::RunReferenceRuntime(file, sets, (dir / "io").string());
  ASSERT_TRUE(theirs.ok()) << theirs.status().ToString();
  ASSERT_EQ(theirs->size(), sets.size());
  auto exec = Executor::Create(m->model, KernelOptions{KernelSet::kReference, 1});
  ASSERT_TRUE(exec.ok()) << exec.status().ToString();
  int max_diff = 0;
  for (size_t k = 0; k < sets.size(); ++k) {
    auto ours = (*exec)->Run(sets[k]);
    ASSERT_TRUE(ours.ok()) << ours.status().ToString();
    const Bytes& a = (*ours)[0];
    const Bytes& b = (*theirs)[k][0];
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      const int diff = std::abs(static_cast<int8_t>(a[i]) - static_cast<int8_t>(b[i]));
      max_diff = std::max(max_diff, diff);
      EXPECT_LE(diff, 1) << name << " input " << k << " output " << i;
    }
  }
  std::printf("%s: largest difference to TFLite = %d\n", name.c_str(), max_diff);
}

TEST(ZooInteropTest, MobileNetV2RunsInTfliteWithinOne) {
  ExpectZooModelAgreesWithTflite("mobilenet_v2", 32);
}

TEST(ZooInteropTest, InceptionV1RunsInTfliteWithinOne) {
  ExpectZooModelAgreesWithTflite("inception_v1", 32);
}

TEST(ZooInteropTest, DenseNet121RunsInTfliteWithinOne) {
  ExpectZooModelAgreesWithTflite("densenet121", 32);
}

}  // namespace
}  // namespace segpipe
