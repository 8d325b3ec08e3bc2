// The int8 models stay close to their float originals: run both on fresh inputs (not the
// representative dataset) and compare the dequantized outputs. The error figures are printed
// and recorded as test properties.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "segpipe/exec/internal/executor.h"
#include "segpipe/synth/internal/paper_models.h"

namespace segpipe::synth {
namespace {

struct Error {
  double max_abs = 0;       // largest |quantized - float| over all outputs
  double output_range = 0;  // max - min of the float outputs
  double relative() const { return max_abs / output_range; }
};

Error MeasureError(const SynthModel& m, int num_inputs, uint64_t seed) {
  auto exec = Executor::Create(m.model, KernelOptions{KernelSet::kReference, 1});
  EXPECT_TRUE(exec.ok()) << exec.status().ToString();
  if (!exec.ok()) return {};
  const Tensor& out = m.model.tensor(m.model.outputs[0]);
  Error e;
  float lo = INFINITY, hi = -INFINITY;
  for (const std::vector<float>& x : RepresentativeInputs(m.float_net.InputSize(), num_inputs, seed)) {
    const std::vector<float> reference = Forward(m.float_net, x);
    const std::vector<int8_t> q = QuantizeInput(m.model, x);
    std::copy(q.begin(), q.end(), reinterpret_cast<int8_t*>((*exec)->input(0).data()));
    (*exec)->Invoke();
    const auto* y = reinterpret_cast<const int8_t*>((*exec)->output(0).data());
    for (size_t i = 0; i < reference.size(); ++i) {
      const double dequantized = out.quant.scale[0] * (y[i] - out.quant.zero_point[0]);
      e.max_abs = std::max(e.max_abs, std::abs(dequantized - reference[i]));
      lo = std::min(lo, reference[i]);
      hi = std::max(hi, reference[i]);
    }
  }
  e.output_range = hi - lo;
  return e;
}

void Report(const char* name, const Error& e) {
  std::printf("%s: max |int8 - float| = %.4f over an output range of %.4f (%.2f%%)\n", name,
              e.max_abs, e.output_range, 100 * e.relative());
  testing::Test::RecordProperty(std::string(name) + "_relative_error_percent",
                                std::to_string(100 * e.relative()));
}

TEST(QuantizationErrorTest, FcOutputStaysCloseToFloat) {
  for (int hidden : {100, 580}) {
    FcConfig c;
    c.hidden = hidden;  // full converter calibration: 100 representative inputs
    auto m = SynthesizeFc(c);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    const Error e = MeasureError(*m, 20, /*seed=*/99);
    Report(hidden == 100 ? "fc_n100" : "fc_n580", e);
    EXPECT_LT(e.relative(), 0.05) << "n = " << hidden;
  }
}

TEST(QuantizationErrorTest, ConvOutputStaysCloseToFloat) {
  ConvConfig c;
  c.filters = 16;
  c.size = 24;
  c.calibration_inputs = 20;
  auto m = SynthesizeConv(c);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const Error e = MeasureError(*m, 4, /*seed=*/99);
  Report("conv_f16_24x24", e);
  EXPECT_LT(e.relative(), 0.05);
}

TEST(QuantizationErrorTest, EstimatedRangesAlsoGiveAUsableModel) {
  // Shape-only synthesis (no representative run) keeps the error bounded, if larger.
  FcConfig c;
  c.hidden = 100;
  c.calibration_inputs = 0;
  auto m = SynthesizeFc(c);
  ASSERT_TRUE(m.ok());
  const Error e = MeasureError(*m, 20, /*seed=*/99);
  Report("fc_n100_estimated_ranges", e);
  EXPECT_LT(e.relative(), 0.15);
}

}  // namespace
}  // namespace segpipe::synth
