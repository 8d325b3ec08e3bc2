// The C++ side of the Python push/pop benchmark (bench/python_roundtrip.py): the same model and
// plan pushed and popped through api::PipelinedModelRunner from C++, one input in flight at a
// time, so the per-input time is the runtime's round trip. Prints the mean microseconds per
// input of the best of `rounds` rounds.
//
//   runner_roundtrip PLAN_DEVICES MODEL.tflite INPUTS ROUNDS
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "segpipe/segpipe.h"

int main(int argc, char** argv) {
  using namespace segpipe::api;  // NOLINT: a benchmark
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s DEVICES MODEL INPUTS ROUNDS\n", argv[0]);
    return 2;
  }
  auto model = Model::Load(argv[2]);
  if (!model.ok()) {
    std::fprintf(stderr, "error: %s\n", model.status().message().c_str());
    return 1;
  }
  auto plan = Planner({.devices = argv[1], .strategy = "uniform"}).MakePlan(*model);
  if (!plan.ok()) {
    std::fprintf(stderr, "error: %s\n", plan.status().message().c_str());
    return 1;
  }
  const int inputs = std::atoi(argv[3]), rounds = std::atoi(argv[4]);
  std::vector<std::vector<uint8_t>> in, out;
  for (const TensorInfo& t : model->inputs()) in.emplace_back(static_cast<size_t>(t.num_bytes), 7);
  std::vector<std::span<const uint8_t>> in_spans(in.begin(), in.end());
  for (const TensorInfo& t : model->outputs()) out.emplace_back(static_cast<size_t>(t.num_bytes));
  std::vector<std::span<uint8_t>> out_spans(out.begin(), out.end());
  double best_us = 1e30;
  for (int r = 0; r < rounds; ++r) {
    auto runner = PipelinedModelRunner::Create(*model, *plan);
    if (!runner.ok()) return 1;
    const auto start = std::chrono::steady_clock::now();
    for (int k = 0; k < inputs; ++k) {
      if (!(*runner)->Push(in_spans).ok()) return 1;
      if (!(*runner)->Pop(out_spans)->status.ok()) return 1;
    }
    const double us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
            .count() /
        inputs;
    if (us < best_us) best_us = us;
    (void)(*runner)->Finish();
  }
  std::printf("%.2f\n", best_us);
  return 0;
}
