// The results the upstream projects' own tests assert for the shared models (see
// shared/models/README.md), with both kernel sets: images read as RGB (or grey), resized
// bilinearly with half-pixel centres in float and truncated to uint8; a case passes when the
// expected class is among the top 3 with a score above the threshold.
// Built twice: SEGPIPE_FULL_SIZE_MODELS selects the MobileNet v1 1.0 224 case (two files
// chained), label `slow`; the other build runs every other case.
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "exec_test_util.h"
#include "segpipe/exec/internal/executor.h"
#include "segpipe/exec/internal/image.h"
#include "segpipe/exec/internal/inference_report.h"
#include "segpipe/tflite/internal/reader.h"

namespace segpipe {
namespace {

class UpstreamTest : public ::testing::TestWithParam<KernelSet> {
 protected:
  std::unique_ptr<Executor> Load(const std::string& file) {
    StatusOr<Model> model = ReadTfliteFile(testing::SharedPath("models/" + file));
    EXPECT_TRUE(model.ok()) << model.status().ToString();
    if (!model.ok()) return nullptr;
    StatusOr<std::unique_ptr<Executor>> exec = Executor::Create(std::move(model).value(), {.kernels = GetParam()});
    EXPECT_TRUE(exec.ok()) << exec.status().ToString();
    return exec.ok() ? std::move(exec).value() : nullptr;
  }

  // Feeds `image_file` (under shared/inputs/) to input 0 of `exec`.
  void FeedImage(Executor& exec, const std::string& image_file, Int8Input int8_input = Int8Input::kSubtract128) {
    StatusOr<Image> image = ReadImageFile(testing::SharedPath("inputs/" + image_file));
    ASSERT_TRUE(image.ok()) << image.status().ToString();
    StatusOr<std::vector<uint8_t>> bytes = ImageToInputTensor(*image, exec.input_tensor(0), int8_input);
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    std::copy(bytes->begin(), bytes->end(), exec.input(0).begin());
  }

  // The expected class is among the top 3 with a score above `threshold`.
  static void ExpectTop3(const Executor& exec, int output, int id, double threshold) {
    StatusOr<std::vector<ClassScore>> top = TopK(exec.output_tensor(output), exec.output(output), 3);
    ASSERT_TRUE(top.ok()) << top.status().ToString();
    bool found = false;
    std::string seen;
    for (const ClassScore& c : *top) {
      seen += std::to_string(c.id) + ":" + std::to_string(c.score) + " ";
      found = found || (c.id == id && c.score > threshold);
    }
    EXPECT_TRUE(found) << "expected class " << id << " above " << threshold << "; top 3: " << seen;
  }
};

#ifdef SEGPIPE_FULL_SIZE_MODELS
TEST_P(UpstreamTest, MobileNetV1FromEmbeddingExtractorAndHeadLayersSeesAnEgyptianCat) {
  std::unique_ptr<Executor> extractor = Load("coral/mobilenet_v1_1.0_224_quant_embedding_extractor.tflite");
  std::unique_ptr<Executor> head = Load("coral/tools__mobilenet_quant_v1_224_head_layers.tflite");
  ASSERT_TRUE(extractor && head);
  FeedImage(*extractor, "coral/cat.bmp");
  extractor->Invoke();
  ASSERT_EQ(extractor->output(0).size(), head->input(0).size());
  std::copy(extractor->output(0).begin(), extractor->output(0).end(), head->input(0).begin());
  head->Invoke();
  ExpectTop3(*head, 0, 286, 0.0);
}
#else
TEST_P(UpstreamTest, MobileNetV1Quarter128SeesATigerCat) {
  std::unique_ptr<Executor> exec = Load("coral/mobilenet_v1_0.25_128_quant.tflite");
  ASSERT_TRUE(exec);
  FeedImage(*exec, "coral/cat.bmp");
  exec->Invoke();
  ExpectTop3(*exec, 0, 283, 0.25);
}

TEST_P(UpstreamTest, MobileNetV1Half160SeesAnEgyptianCat) {
  std::unique_ptr<Executor> exec = Load("coral/mobilenet_v1_0.5_160_quant.tflite");
  ASSERT_TRUE(exec);
  FeedImage(*exec, "coral/cat.bmp");
  exec->Invoke();
  ExpectTop3(*exec, 0, 286, 0.51);
}

TEST_P(UpstreamTest, PersonDetectTellsPersonFromNoPerson) {
  std::unique_ptr<Executor> exec = Load("tflite_micro/person_detect.tflite");
  ASSERT_TRUE(exec);
  auto scores = [&](const std::string& image) {
    FeedImage(*exec, image, Int8Input::kReinterpret);
    exec->Invoke();
    return std::pair{static_cast<int8_t>(exec->output(0)[0]), static_cast<int8_t>(exec->output(0)[1])};
  };
  const auto [person_no, person_yes] = scores("tflite_micro/person.bmp");
  EXPECT_GT(person_yes, person_no);
  const auto [empty_no, empty_yes] = scores("tflite_micro/no_person.bmp");
  EXPECT_GT(empty_no, empty_yes);
}

TEST_P(UpstreamTest, HelloWorldApproximatesSine) {
  std::unique_ptr<Executor> exec = Load("tflite_micro/hello_world_int8.tflite");
  ASSERT_TRUE(exec);
  const std::vector<std::pair<int8_t, double>> cases = {{-96, 0.77}, {-63, 1.57}, {-34, 2.3}, {0, 3.14}};
  for (const auto& [q, x] : cases) {
    exec->input(0)[0] = static_cast<uint8_t>(q);
    exec->Invoke();
    EXPECT_NEAR(RealValue(exec->output_tensor(0), exec->output(0), 0), std::sin(x), 0.05) << "x = " << x;
  }
}
#endif

INSTANTIATE_TEST_SUITE_P(KernelSets, UpstreamTest, ::testing::Values(KernelSet::kReference, KernelSet::kFast),
                         [](const auto& info) { return info.param == KernelSet::kFast ? "fast" : "reference"; });

}  // namespace
}  // namespace segpipe
