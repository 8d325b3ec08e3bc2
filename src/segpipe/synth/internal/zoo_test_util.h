// Shared by the zoo's tests: the published parameter count of each architecture and the
// convention it was counted in, and the small-input check. Sources:
//  - Keras: the "Parameters" column of the Keras Applications table (keras.io/api/applications),
//    model.count_params(): 4 values per batch-normalized channel (gamma, beta, moving mean,
//    moving variance).
//  - PyTorch: sum of p.numel() over model.parameters(), 2 values per batch-normalized channel
//    (the running statistics are buffers, not parameters), 1000 classes:
//    inception_v1: torchvision googlenet (weights ported from TF-slim's inception_v1, the same
//      layers; aux_logits=False as the pretrained model is built), 6,624,904;
//    inception_v4: Cadene's pretrainedmodels inceptionv4 (weights ported from TF-slim's
//      inception_v4, background class dropped; also timm's inception_v4), 42,679,816;
//    squeezenet: torchvision squeezenet1_0, 1,248,424 (no batch normalization).
#ifndef SEGPIPE_SYNTH_INTERNAL_ZOO_TEST_UTIL_H_
#define SEGPIPE_SYNTH_INTERNAL_ZOO_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "segpipe/exec/internal/executor.h"
#include "segpipe/synth/internal/paper_models.h"
#include "segpipe/synth/internal/zoo_models.h"

namespace segpipe::synth {

enum class Convention { kKeras, kPyTorch };

struct PublishedCount {
  const char* name;
  int64_t parameters;
  Convention convention;
};

inline constexpr PublishedCount kPublishedCounts[] = {
    {"mobilenet_v1", 4'253'864, Convention::kKeras},
    {"mobilenet_v2", 3'538'984, Convention::kKeras},
    {"inception_v1", 6'624'904, Convention::kPyTorch},
    {"inception_v4", 42'679'816, Convention::kPyTorch},
    {"resnet50_v1", 25'636'712, Convention::kKeras},
    {"resnet50_v2", 25'613'800, Convention::kKeras},
    {"resnet152_v2", 60'380'648, Convention::kKeras},
    {"vgg16", 138'357'544, Convention::kKeras},
    {"vgg19", 143'667'240, Convention::kKeras},
    {"densenet121", 8'062'504, Convention::kKeras},
    {"squeezenet", 1'248'424, Convention::kPyTorch},
};

inline int64_t CountIn(const ZooParameters& p, Convention c) {
  return c == Convention::kKeras ? p.Keras() : p.PyTorch();
}

// The smallest-ish input each architecture accepts (Inception v4's VALID stem needs 75).
inline int SmallInput(const std::string& name) { return name == "inception_v4" ? 75 : 32; }

// Tens of millions of weights: their tests are labelled slow.
inline bool IsHeavy(const std::string& name) {
  return name == "inception_v4" || name == "resnet152_v2" || name.starts_with("vgg");
}

// Builds each model once at a small input (calibrated on one input), checks its parameter
// count and runs it with both kernel sets.
inline void ExpectSmallModelCountsAndRuns(const PublishedCount& published) {
  ZooConfig config;
  config.name = published.name;
  config.input_size = SmallInput(config.name);
  config.calibration_inputs = 1;
  auto m = SynthesizeZoo(config);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  int64_t expected = published.parameters;
  if (config.name.starts_with("vgg")) {
    // fc1 reads the flattened last map: 7x7x512 at 224, 1x1x512 at 32.
    expected -= int64_t{7 * 7 * 512 - 512} * 4096;
  }
  EXPECT_EQ(CountIn(m->parameters, published.convention), expected);

  const int64_t size = int64_t{config.input_size} * config.input_size * 3;
  const std::vector<int8_t> q = QuantizeInput(m->model, RepresentativeInputs(size, 1, 3)[0]);
  const std::vector<std::vector<uint8_t>> inputs = {std::vector<uint8_t>(q.begin(), q.end())};
  for (KernelSet kernels : {KernelSet::kReference, KernelSet::kFast}) {
    auto exec = Executor::Create(m->model, KernelOptions{kernels, 1});
    ASSERT_TRUE(exec.ok()) << exec.status().ToString();
    auto out = (*exec)->Run(inputs);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ASSERT_EQ(out->size(), 1u);
    ASSERT_EQ((*out)[0].size(), 1000u);
    // A softmax (scale 1/256, zero point -128) over 1000 near-uniform logits: each
    // probability rounds to a few quanta at most, and they cannot sum past 1.
    double sum = 0;
    for (uint8_t v : (*out)[0]) sum += (static_cast<int8_t>(v) + 128) / 256.0;
    EXPECT_LE(sum, 1.1);
    auto again = (*exec)->Run(inputs);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, *out);
  }
}

}  // namespace segpipe::synth

#endif  // SEGPIPE_SYNTH_INTERNAL_ZOO_TEST_UTIL_H_
