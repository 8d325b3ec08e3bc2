// Every zoo architecture at its default input size (the sizes Coral's benchmark table uses)
// has exactly the published parameter count, once the batch normalizations the int8 model
// folded are counted back in the publisher's convention (see zoo_test_util.h); and the heavy
// architectures at small inputs, as zoo_models_test.cc checks the light ones.
#include <gtest/gtest.h>

#include "segpipe/synth/internal/zoo_models.h"
#include "segpipe/synth/internal/zoo_test_util.h"

namespace segpipe::synth {
namespace {

class ZooFullSizeTest : public ::testing::TestWithParam<PublishedCount> {};

TEST_P(ZooFullSizeTest, ParameterCountIsThePublishedOne) {
  const PublishedCount& published = GetParam();
  ZooConfig config;
  config.name = published.name;
  config.calibration_inputs = 0;
  auto m = SynthesizeZoo(config);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(CountIn(m->parameters, published.convention), published.parameters);
  // What is counted is what the file holds.
  EXPECT_EQ(m->parameters.deployed, CountQuantizedParameters(m->model));
  const Tensor& input = m->model.tensor(m->model.inputs[0]);
  const int size = *ZooDefaultInputSize(published.name);
  EXPECT_EQ(input.shape, (std::vector<int32_t>{1, size, size, 3}));
  EXPECT_EQ(m->model.tensor(m->model.outputs[0]).shape, (std::vector<int32_t>{1, 1000}));
}

class ZooHeavySmallTest : public ::testing::TestWithParam<PublishedCount> {};

TEST_P(ZooHeavySmallTest, CountsThePublishedParametersAndRunsInOurExecutor) {
  ExpectSmallModelCountsAndRuns(GetParam());
}

std::vector<PublishedCount> Heavy() {
  std::vector<PublishedCount> v;
  for (const PublishedCount& p : kPublishedCounts)
    if (IsHeavy(p.name)) v.push_back(p);
  return v;
}

INSTANTIATE_TEST_SUITE_P(Published, ZooHeavySmallTest, ::testing::ValuesIn(Heavy()),
                         [](const auto& info) { return std::string(info.param.name); });

INSTANTIATE_TEST_SUITE_P(Published, ZooFullSizeTest, ::testing::ValuesIn(kPublishedCounts),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace segpipe::synth
