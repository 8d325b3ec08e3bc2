// The paper's synthetic models as written by `segpipe synth` run in the real TFLite runtime
// (WebAssembly, tests/node) and give our executor's outputs within +-1.
#include <filesystem>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "segpipe/exec/internal/executor.h"
#include "segpipe/synth/internal/paper_models.h"
#include "segpipe/tflite/internal/writer.h"
#include "tflite_test_support.h"

namespace segpipe {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

void ExpectAgreesWithTflite(const synth::SynthModel& m, const std::string& name) {
  const fs::path dir = fs::path(SEGPIPE_BINARY_DIR) / "synth_interop_test" / name;
  fs::create_directories(dir);
  const std::string file = (dir / "model.tflite").string();
  ASSERT_TRUE(WriteTfliteFile(m.model, file).ok());

  std::vector<std::vector<Bytes>> sets;
  for (const std::vector<float>& x : synth::RepresentativeInputs(m.float_net.InputSize(), 6, 7)) {
    const std::vector<int8_t> q = synth::QuantizeInput(m.model, x);
    sets.push_back({Bytes(q.begin(), q.end())});
  }
  auto theirs = testing_support::RunReferenceRuntime(file, sets, (dir / "io").string());
  ASSERT_TRUE(theirs.ok()) << theirs.status().ToString();
  ASSERT_EQ(theirs->size(), sets.size());

  auto exec = Executor::Create(m.model, KernelOptions{KernelSet::kReference, 1});
  ASSERT_TRUE(exec.ok()) << exec.status().ToString();
  int max_diff = 0;
  for (size_t k = 0; k < sets.size(); ++k) {
    auto ours = (*exec)->Run(sets[k]);
    ASSERT_TRUE(ours.ok()) << ours.status().ToString();
    ASSERT_EQ((*theirs)[k].size(), 1u);
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

TEST(SynthInteropTest, FcModelRunsInTfliteWithinOne) {
  synth::FcConfig c;
  c.hidden = 140;
  auto m = synth::SynthesizeFc(c);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ExpectAgreesWithTflite(*m, "fc_n140");
}

TEST(SynthInteropTest, ConvModelRunsInTfliteWithinOne) {
  synth::ConvConfig c;
  c.filters = 12;
  c.size = 16;
  c.calibration_inputs = 10;
  auto m = synth::SynthesizeConv(c);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ExpectAgreesWithTflite(*m, "conv_f12");
}

}  // namespace
}  // namespace segpipe
