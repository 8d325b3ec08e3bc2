// Pipeline runtime benchmarks (results in docs/benchmarks.md, section "Pipeline"):
//  - BM_HopHandOff: cost of handing one input from a stage to the next when the next stage is
//    waiting for it (queue push -> condition variable -> the other thread runs), p50/p99, from
//    the invocation timestamps of zero-work test devices, one input in flight at a time.
//  - BM_PacedEfficiency: stages of paced Edge TPU devices at 100 us each (and 1 ms), fed
//    continuously; efficiency = measured throughput / (1 / slowest stage time); also the mean
//    per-input time the first stage spends blocked on output (its share of hand-off cost).
//  - BM_SimulatorThroughput: simulated inferences per second of the virtual-time model.
//
//   chrt -f 10 ./build/bench/pipeline_benchmark --benchmark_counters_tabular=true
// (chrt: on a shared machine, real-time scheduling keeps other jobs out of the wall-clock
// figures; without the privilege run it plainly and expect load-dependent numbers.)
#include <algorithm>
#include <memory>
#include <thread>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include "segpipe/device/internal/edgetpu_device.h"
#include "segpipe/device/internal/test_device.h"
#include "segpipe/pipeline/internal/pipeline.h"
#include "segpipe/pipeline/sim/internal/simulator.h"

namespace segpipe {
namespace {

// A chain of `stages` RELU ops over a small tensor: one op per stage, nothing forwarded.
Model ChainModel(int stages, int width = 64) {
  Model m;
  for (int i = 0; i <= stages; ++i) {
    Tensor t;
    t.name = std::string(1, 't') += std::to_string(i);
    t.type = DataType::kUInt8;
    t.shape = {1, width};
    m.tensors.push_back(t);
  }
  for (int i = 0; i < stages; ++i) {
    Op op;
    op.type = OpType::kRelu;
    op.inputs = {i};
    op.outputs = {i + 1};
    m.ops.push_back(op);
  }
  m.inputs = {0};
  m.outputs = {stages};
  return m;
}

std::vector<int> OneOpPerStage(int stages) {
  std::vector<int> last_ops;
  for (int i = 0; i < stages; ++i) last_ops.push_back(i);
  return last_ops;
}

// Same treatment as the paced stages get (EdgeTpuDeviceOptions::nice_boost), when permitted.
void RaiseSchedulingWeight() {
  setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), -10);
}

int64_t PercentileOf(std::vector<int64_t> v, double p) {
  if (v.empty()) return 0;
  auto it = v.begin() + static_cast<ptrdiff_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), it, v.end());
  return *it;
}

void BM_HopHandOff(benchmark::State& state) {
  const int stages = static_cast<int>(state.range(0));
  constexpr int kInputs = 2000;
  std::vector<int64_t> hops_ns;
  for (auto _ : state) {
    std::vector<TestDevice*> raw;
    std::vector<std::unique_ptr<Device>> devices;
    for (int i = 0; i < stages; ++i) {
      TestDeviceOptions o;
      o.timestamp_capacity = kInputs;
      auto d = std::make_unique<TestDevice>(o);
      raw.push_back(d.get());
      devices.push_back(std::move(d));
    }
    Model model = ChainModel(stages);
    auto p = Pipeline::Create(model, OneOpPerStage(stages), std::move(devices));
    if (!p.ok() || !(*p)->Start().ok()) {
      state.SkipWithError("pipeline setup failed");
      return;
    }
    std::vector<uint8_t> in(64, 1), out(64);
    std::vector<std::span<const uint8_t>> ins{in};
    std::vector<std::span<uint8_t>> outs{out};
    for (int k = 0; k < kInputs; ++k) {  // one in flight: every hop finds its consumer waiting
      (void)(*p)->Push(ins);
      (void)(*p)->Pop(outs);
    }
    (void)(*p)->Finish();
    for (int s = 0; s + 1 < stages; ++s)
      for (int64_t k = 100; k < kInputs; ++k)  // skip warm-up
        hops_ns.push_back(raw[static_cast<size_t>(s) + 1]->start_ns(k) -
                          raw[static_cast<size_t>(s)]->end_ns(k));
  }
  state.counters["hop_p50_us"] = static_cast<double>(PercentileOf(hops_ns, 0.50)) / 1e3;
  state.counters["hop_p99_us"] = static_cast<double>(PercentileOf(hops_ns, 0.99)) / 1e3;
  state.counters["hops"] = static_cast<double>(hops_ns.size());
}
BENCHMARK(BM_HopHandOff)->Arg(2)->Arg(4)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_PacedEfficiency(benchmark::State& state) {
  const int stages = static_cast<int>(state.range(0));
  const int capacity = static_cast<int>(state.range(1));
  const int64_t kStageNs = state.range(2) * 1000;
  const int kInputs = static_cast<int>(200'000'000 / kStageNs);  // ~0.2 s per run
  double best_efficiency = 0, sum_efficiency = 0;
  int runs = 0;
  for (auto _ : state) {
    std::vector<std::unique_ptr<Device>> devices;
    for (int i = 0; i < stages; ++i) {
      EdgeTpuDeviceOptions o;
      o.phases = {PacedPhase{kStageNs, nullptr}};
      devices.push_back(std::make_unique<EdgeTpuDevice>(std::move(o)));
    }
    Model model = ChainModel(stages);
    PipelineOptions options;
    options.queue_capacity = capacity;
    // The feeding and draining threads stand for an application that keeps up; deep end queues
    // keep their scheduling delays (on a loaded machine) out of the stage-to-stage measurement.
    options.input_capacity = 64;
    options.output_capacity = 64;
    auto p = Pipeline::Create(model, OneOpPerStage(stages), std::move(devices), options);
    if (!p.ok() || !(*p)->Start().ok()) {
      state.SkipWithError("pipeline setup failed");
      return;
    }
    std::vector<uint8_t> in(64, 1), out(64);
    std::thread producer([&] {
      RaiseSchedulingWeight();
      std::vector<std::span<const uint8_t>> ins{in};
      for (int k = 0; k < kInputs; ++k) (void)(*p)->Push(ins);
      (*p)->CloseInput();
    });
    RaiseSchedulingWeight();
    std::vector<std::span<uint8_t>> outs{out};
    int64_t first_ns = 0, last_ns = 0;
    int popped = 0;
    while ((*p)->Pop(outs)) {
      last_ns = SteadyNowNs();
      // Steady state: measure from the first result, so the fill is not counted.
      if (popped++ == 0) first_ns = last_ns;
    }
    producer.join();
    (void)(*p)->Finish();
    PipelineStats stats = (*p)->Stats();
    const StageStats& first = stats.stages.front();
    state.counters["stage0_busy_us"] = static_cast<double>(first.busy_ns) / first.count / 1e3;
    state.counters["stage0_wait_us"] = static_cast<double>(first.wait_input_ns) / first.count / 1e3;
    state.counters["stage0_blocked_us"] =
        static_cast<double>(first.blocked_output_ns) / first.count / 1e3;
    state.counters["pacing_error_us"] =
        static_cast<double>(dynamic_cast<EdgeTpuDevice&>((*p)->device(0)).pacing_stats().mean_error_ns) / 1e3;
    const double period_ns = static_cast<double>(last_ns - first_ns) / (popped - 1);
    const double efficiency = static_cast<double>(kStageNs) / period_ns;
    best_efficiency = std::max(best_efficiency, efficiency);
    sum_efficiency += efficiency;
    ++runs;
  }
  state.counters["efficiency_pct"] = 100 * sum_efficiency / runs;
  state.counters["best_efficiency_pct"] = 100 * best_efficiency;
}
BENCHMARK(BM_PacedEfficiency)
    ->ArgsProduct({{1, 2, 3, 4}, {1, 2}, {100}})
    ->Args({4, 1, 1000})
    ->ArgNames({"stages", "capacity", "stage_us"})
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_SimulatorThroughput(benchmark::State& state) {
  SimConfig config;
  config.num_resources = 1;
  config.per_hop_ns = 5'000;
  for (int i = 0; i < 4; ++i)
    config.stages.push_back(
        SimStage{{SimPhase{50'000, kHostWorkResource}, SimPhase{100'000 + 20'000 * i, -1}}});
  const int64_t inputs = state.range(0);
  for (auto _ : state) {
    StatusOr<SimResult> r = SimulateStream(config, inputs);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * inputs);
}
BENCHMARK(BM_SimulatorThroughput)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace segpipe

BENCHMARK_MAIN();
