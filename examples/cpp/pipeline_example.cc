// Splits a model over two CPU cores, runs a few random inputs through the pipeline and checks
// that every output equals the whole model's, byte for byte.
//
//   pipeline_example MODEL.tflite [INPUTS]
#include <segpipe/segpipe.h>

#include <cstdio>
#include <random>
#include <thread>
#include <vector>

namespace {

segpipe::Status Main(const std::string& path, int count) {
  using namespace segpipe::api;  // NOLINT: an example
  SEGPIPE_ASSIGN_OR_RETURN(Model model, Model::Load(path));
  SEGPIPE_ASSIGN_OR_RETURN(Plan plan,
                           Planner({.devices = "cpu:2", .strategy = "uniform"}).MakePlan(model));
  for (const PlanSegment& s : plan.segments())
    std::printf("ops %d-%d on %s\n", s.first_op, s.last_op, s.device.c_str());
  SEGPIPE_ASSIGN_OR_RETURN(auto runner, PipelinedModelRunner::Create(model, plan));

  std::mt19937 rng(1);
  std::vector<std::vector<std::vector<uint8_t>>> inputs(static_cast<size_t>(count));
  for (auto& input : inputs)
    for (const TensorInfo& t : model.inputs()) {
      input.emplace_back(static_cast<size_t>(t.num_bytes));
      for (uint8_t& b : input.back()) b = static_cast<uint8_t>(rng());
    }
  std::thread producer([&] {
    for (const auto& input : inputs)
      if (!runner->Push(input).ok()) break;
    runner->Close();
  });
  int matched = 0;
  std::vector<std::vector<uint8_t>> outputs;
  segpipe::Status status;
  while (std::optional<RunnerResult> r = runner->Pop(&outputs)) {
    if (!r->status.ok()) {
      status = r->status;
      continue;
    }
    const auto& input = inputs[static_cast<size_t>(r->sequence)];
    std::vector<std::span<const uint8_t>> spans(input.begin(), input.end());
    SEGPIPE_ASSIGN_OR_RETURN(auto whole, RunModel(model, spans));
    if (whole == outputs) ++matched;
  }
  producer.join();
  SEGPIPE_RETURN_IF_ERROR(status);
  SEGPIPE_RETURN_IF_ERROR(runner->Finish());
  std::printf("%d/%d pipelined results equal the whole model's (segpipe %s)\n", matched, count,
              std::string(Version()).c_str());
  if (matched != count) return segpipe::InternalError("the pipeline disagrees with the model");
  return segpipe::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MODEL.tflite [INPUTS]\n", argv[0]);
    return 2;
  }
  const segpipe::Status s = Main(argv[1], argc > 2 ? std::atoi(argv[2]) : 4);
  if (!s.ok()) {
    std::fprintf(stderr, "error: %s\n", s.message().c_str());
    return 1;
  }
  return 0;
}
