// The zoo at small input sizes: parameter counts (they do not depend on the input size except
// through VGG's flatten), and the models run in our executor with both kernel sets.
#include "segpipe/synth/internal/zoo_models.h"

#include <gtest/gtest.h>

#include "segpipe/synth/internal/zoo_test_util.h"

namespace segpipe::synth {
namespace {

TEST(ZooTest, ListsTheElevenNames) {
  std::vector<std::string> expected;
  for (const PublishedCount& p : kPublishedCounts) expected.emplace_back(p.name);
  EXPECT_EQ(ZooNames(), expected);
}

TEST(ZooTest, RefusesUnknownNamesAndInputsTooSmall) {
  ZooConfig c;
  c.name = "alexnet";
  auto m = SynthesizeZoo(c);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("synth zoo --list"), std::string::npos);
  c.name = "inception_v4";
  c.input_size = 40;
  c.calibration_inputs = 0;
  m = SynthesizeZoo(c);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("too small"), std::string::npos) << m.status().message();
  c.name = "vgg16";
  c.input_size = 32;
  c.classes = 0;
  EXPECT_FALSE(SynthesizeZoo(c).ok());
}

// The light architectures here; the heavy ones (tens of millions of weights) in
// zoo_full_size_test.cc, labelled slow.
class ZooSmallTest : public ::testing::TestWithParam<PublishedCount> {};

TEST_P(ZooSmallTest, CountsThePublishedParametersAndRunsInOurExecutor) {
  ExpectSmallModelCountsAndRuns(GetParam());
}

std::vector<PublishedCount> Light() {
  std::vector<PublishedCount> v;
  for (const PublishedCount& p : kPublishedCounts)
    if (!IsHeavy(p.name)) v.push_back(p);
  return v;
}

INSTANTIATE_TEST_SUITE_P(Published, ZooSmallTest, ::testing::ValuesIn(Light()),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace segpipe::synth
