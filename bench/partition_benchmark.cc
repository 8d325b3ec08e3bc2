// How fast the partitioners are (docs/benchmarks.md, "Partitioning"):
//  - OptimalSplit on a 500-unit synthetic chain over 8 devices with a spill-shaped cost function
//    (the search itself plus a cheap cost function);
//  - the whole `optimal` plan of a 500-op FULLY_CONNECTED chain over 8 modelled Edge TPUs,
//    every segment profiled with the analytic Edge TPU model (what `segpipe plan` does);
// with the segment profiles taken reported next to the C(l-1, s-1) pipeline runs the paper's
// exhaustive method would need.
#include <random>

#include <benchmark/benchmark.h>

#include "segpipe/partition/internal/model_profiler.h"
#include "segpipe/partition/internal/optimal.h"
#include "segpipe/partition/internal/planner.h"

namespace segpipe {
namespace {

// Per-unit compute and weights and per-cut activation bytes of a synthetic chain.
struct SyntheticChain {
  std::vector<double> compute_ms, weight_mib, cut_mib;
};

SyntheticChain MakeChain(int n) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<double> u(0, 1);
  SyntheticChain c;
  for (int i = 0; i < n; ++i) {
    c.compute_ms.push_back(0.01 + 0.05 * u(rng));
    c.weight_mib.push_back(0.2 * u(rng));
  }
  for (int i = 0; i <= n; ++i) c.cut_mib.push_back(0.5 * u(rng));
  return c;
}

void BM_OptimalSplitSynthetic(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0)), s = static_cast<int>(state.range(1));
  const SyntheticChain chain = MakeChain(n);
  // Prefix sums make one segment's cost O(1) apart from the spill walk, which is bounded.
  std::vector<double> compute_prefix(n + 1, 0), weight_prefix(n + 1, 0);
  for (int i = 0; i < n; ++i) {
    compute_prefix[i + 1] = compute_prefix[i] + chain.compute_ms[i];
    weight_prefix[i + 1] = weight_prefix[i] + chain.weight_mib[i];
  }
  int64_t calls = 0;
  SegmentCostFn cost = [&](int i, int j, int) -> StatusOr<double> {
    ++calls;
    const double weights = weight_prefix[j + 1] - weight_prefix[i];
    const double spilled = std::max(0.0, weights + chain.cut_mib[i] - 7.75);
    return 0.1 + compute_prefix[j + 1] - compute_prefix[i] + 2.6 * spilled +
           2.6 * (chain.cut_mib[i] + chain.cut_mib[j + 1]);
  };
  for (auto _ : state) {
    calls = 0;
    auto split = OptimalSplit(n, s, Objective::Throughput(), cost);
    benchmark::DoNotOptimize(split);
  }
  state.counters["cost_calls"] = static_cast<double>(calls);
  state.counters["exhaustive_count"] = static_cast<double>(CountSplits(n, s));
}
BENCHMARK(BM_OptimalSplitSynthetic)->Args({500, 8})->Args({100, 4})->Unit(benchmark::kMillisecond);

// A chain of FULLY_CONNECTED ops of random widths: one op per layer, so 500 cut candidates.
Model FcChain(int num_ops) {
  std::mt19937 rng(7);
  Model m;
  auto activation = [&](int width) {
    Tensor t;
    t.type = DataType::kInt8;
    t.shape = {1, width};
    t.quant.scale = {0.05f};
    t.quant.zero_point = {0};
    m.tensors.push_back(t);
    return static_cast<int32_t>(m.tensors.size() - 1);
  };
  int width = 256;
  m.inputs = {activation(width)};
  int32_t x = m.inputs[0];
  for (int i = 0; i < num_ops; ++i) {
    const int out = 64 + static_cast<int>(rng() % 15) * 64;  // 64..960
    Tensor w;
    w.type = DataType::kInt8;
    w.shape = {out, width};
    w.quant.scale = {0.01f};
    w.quant.zero_point = {0};
    w.is_constant = true;
    w.data.assign(static_cast<size_t>(out) * width, 1);
    m.tensors.push_back(std::move(w));
    const int32_t w_index = static_cast<int32_t>(m.tensors.size() - 1);
    const int32_t y = activation(out);
    Op op;
    op.type = OpType::kFullyConnected;
    op.inputs = {x, w_index, -1};
    op.outputs = {y};
    m.ops.push_back(std::move(op));
    x = y;
    width = out;
  }
  m.outputs = {x};
  SEGPIPE_CHECK(ValidateAndSortModel(m).ok());
  return m;
}

void BM_OptimalPlanFcChainModelProfile(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0)), s = static_cast<int>(state.range(1));
  const Model model = FcChain(n);
  PlanOptions options;
  options.strategy = Strategy::kOptimal;
  options.devices = *ParseStageDevices("edgetpu:" + std::to_string(s));
  int64_t profiles = 0, exhaustive = 0;
  for (auto _ : state) {
    ModelProfiler profiler(model);  // fresh cache: every segment profiled again
    auto plan = MakePlan(model, profiler, options);
    SEGPIPE_CHECK(plan.ok());
    profiles = plan->profiles_taken;
    exhaustive = plan->exhaustive_count;
  }
  state.counters["profiles_taken"] = static_cast<double>(profiles);
  state.counters["exhaustive_count"] = static_cast<double>(exhaustive);
}
BENCHMARK(BM_OptimalPlanFcChainModelProfile)
    ->Args({500, 8})
    ->Args({100, 4})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);

}  // namespace
}  // namespace segpipe

BENCHMARK_MAIN();
