// The zoo's table of architectures and SynthesizeZoo: build the float graph, find activation
// ranges (calibration on representative inputs, or estimated), quantize, validate.
#include "segpipe/synth/internal/zoo_models.h"

#include <fmt/format.h>

#include "segpipe/synth/internal/paper_models.h"
#include "segpipe/synth/internal/zoo_architectures.h"

namespace segpipe::synth {
namespace {

using internal::ZooGraph;

struct Architecture {
  const char* name;
  int default_input_size;  // Coral's benchmark table
  const char* origin;
  void (*build)(ZooGraph&, int classes);
};

constexpr Architecture kArchitectures[] = {
    {"mobilenet_v1", 224, "Keras Applications MobileNet", internal::BuildMobileNetV1},
    {"mobilenet_v2", 224, "Keras Applications MobileNetV2", internal::BuildMobileNetV2},
    {"inception_v1", 224, "TF-slim inception_v1", internal::BuildInceptionV1},
    {"inception_v4", 299, "TF-slim inception_v4", internal::BuildInceptionV4},
    {"resnet50_v1", 299, "Keras Applications ResNet50", internal::BuildResNet50V1},
    {"resnet50_v2", 299, "Keras Applications ResNet50V2", internal::BuildResNet50V2},
    {"resnet152_v2", 299, "Keras Applications ResNet152V2", internal::BuildResNet152V2},
    {"vgg16", 224, "Keras Applications VGG16", internal::BuildVgg16},
    {"vgg19", 224, "Keras Applications VGG19", internal::BuildVgg19},
    {"densenet121", 224, "Keras Applications DenseNet121", internal::BuildDenseNet121},
    {"squeezenet", 224, "torchvision squeezenet1_0 (SqueezeNet v1.0)", internal::BuildSqueezeNet},
};

StatusOr<const Architecture*> Find(const std::string& name) {
  for (const Architecture& a : kArchitectures)
    if (name == a.name) return &a;
  return InvalidArgumentError(
      fmt::format("unknown zoo model '{}' (synth zoo --list names them)", name));
}

// Each channel of a batch normalization, by where it went (ZooParameters).
void CountBatchNorms(const ZooGraph& graph, ZooParameters& p) {
  for (const internal::ZooNode& n : graph.nodes()) {
    if (n.op == internal::ZooOp::kBatchNorm) p.bn_unfolded += n.channels;
    if (n.bn == internal::ZooBn::kFoldedIntoBiaslessConv) p.bn_into_biasless_conv += n.channels;
    if (n.bn == internal::ZooBn::kFoldedIntoBiasedConv) p.bn_into_biased_conv += n.channels;
    if (n.bn == internal::ZooBn::kNoBias) p.zero_bias += n.channels;
  }
}

}  // namespace

std::vector<std::string> ZooNames() {
  std::vector<std::string> names;
  for (const Architecture& a : kArchitectures) names.emplace_back(a.name);
  return names;
}

StatusOr<int> ZooDefaultInputSize(const std::string& name) {
  SEGPIPE_ASSIGN_OR_RETURN(const Architecture* a, Find(name));
  return a->default_input_size;
}

int64_t CountQuantizedParameters(const Model& model) {
  int64_t n = 0;
  for (const Tensor& t : model.tensors)
    if (t.is_constant && !t.quant.empty()) n += t.num_elements();
  return n;
}

StatusOr<ZooModel> SynthesizeZoo(const ZooConfig& c) {
  SEGPIPE_ASSIGN_OR_RETURN(const Architecture* a, Find(c.name));
  const int size = c.input_size == 0 ? a->default_input_size : c.input_size;
  if (size < 1 || size > 4096)
    return InvalidArgumentError(fmt::format("--input-size must be 1..4096, got {}", size));
  if (c.classes < 1 || c.classes > 100000)
    return InvalidArgumentError(fmt::format("--classes must be 1..100000, got {}", c.classes));
  if (c.calibration_inputs < 0)
    return InvalidArgumentError("--calibration-inputs must not be negative");
  ZooGraph graph(c.seed);
  graph.Input(size, size, 3);
  a->build(graph, c.classes);
  if (!graph.status().ok())
    return InvalidArgumentError(
        fmt::format("{} at --input-size {}: {}", a->name, size, graph.status().message()));
  internal::ZooRanges ranges;
  if (c.calibration_inputs == 0) {
    ranges = internal::EstimateZooRanges(graph);
  } else {
    ranges.out.resize(graph.nodes().size());
    ranges.product.resize(graph.nodes().size());
    const int64_t input_size = int64_t{size} * size * 3;
    for (const std::vector<float>& x :
         RepresentativeInputs(input_size, c.calibration_inputs, c.seed))
      internal::ForwardZoo(graph, x, &ranges);
  }
  ZooModel out;
  out.model = internal::QuantizeZoo(
      graph, ranges,
      fmt::format("zoo {}: {} at {}x{}x3, {} classes, random weights (seed {}), {}", a->name,
                  a->origin, size, size, c.classes, c.seed,
                  c.calibration_inputs == 0
                      ? std::string("ranges estimated from the weights")
                      : fmt::format("calibrated on {} inputs", c.calibration_inputs)));
  SEGPIPE_RETURN_IF_ERROR(ValidateAndSortModel(out.model));
  out.parameters.deployed = CountQuantizedParameters(out.model);
  CountBatchNorms(graph, out.parameters);
  return out;
}

}  // namespace segpipe::synth
