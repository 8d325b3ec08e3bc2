// Per-layer throughput of the fast kernels on one thread, as GOPS (2 ops per MAC) and as a
// percentage of the int8 peak measured in this process with the VNNI loop (peak.h).
//
//   build/bench/kernels_benchmark --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true --benchmark_out=kernels.json
//       --benchmark_out_format=json   (one command line)
//
// BM_VnniPeak reports the peak itself; every layer reports counters GOPS and pct_of_peak.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "peak.h"
#include "segpipe/kernels/internal/dnnl_layer_models.h"
#include "segpipe/kernels/internal/kernel.h"

namespace segpipe::bench {
namespace {

double g_peak_gops = 0.0;  // measured once in main, before any benchmark runs

void BM_VnniPeak(benchmark::State& state) {
  constexpr int64_t kIterations = 1'000'000;
  for (auto _ : state) VnniLoop(kIterations);
  state.counters["GOPS"] =
      benchmark::Counter(static_cast<double>(VnniLoopOps(kIterations)) / 1e9,
                         benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_VnniPeak)->Unit(benchmark::kMillisecond);

void BM_Layer(benchmark::State& state, const LayerSpec& spec) {
  const Model model = BuildLayerModel(spec, /*seed=*/1);
  auto kernel = PrepareFastKernel(model, 0, {.kernels = KernelSet::kFast, .num_threads = 1});
  if (!kernel.ok() || *kernel == nullptr) {
    state.SkipWithError("no fast kernel for this layer");
    return;
  }
  const Op& op = model.ops[0];
  std::vector<uint8_t> input(static_cast<size_t>(model.tensor(op.inputs[0]).num_bytes()));
  std::mt19937 rng(7);
  for (uint8_t& b : input) b = static_cast<uint8_t>(rng());
  std::vector<uint8_t> output(static_cast<size_t>(model.tensor(op.outputs[0]).num_bytes()));
  std::vector<const uint8_t*> ins;
  for (int32_t t : op.inputs) {
    ins.push_back(t < 0 ? nullptr : model.tensor(t).is_constant ? model.tensor(t).data.data()
                                                                 : input.data());
  }
  uint8_t* out = output.data();
  const KernelIo io{.inputs = ins, .outputs = std::span<uint8_t* const>(&out, 1)};
  for (auto _ : state) {
    (*kernel)->Run(io);
    benchmark::DoNotOptimize(output.data());
    benchmark::ClobberMemory();
  }
  const double gop = 2.0 * static_cast<double>(LayerMacs(spec)) / 1e9;
  state.counters["GOPS"] = benchmark::Counter(gop, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["pct_of_peak"] = benchmark::Counter(
      100.0 * gop / g_peak_gops, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["peak_GOPS"] = g_peak_gops;
}

std::vector<LayerSpec> BenchLayers() {
  constexpr OpType kConv = OpType::kConv2D, kDepthwise = OpType::kDepthwiseConv2D,
                   kFc = OpType::kFullyConnected;
  constexpr Padding kSame = Padding::kSame;
  constexpr Activation kRelu = Activation::kRelu, kRelu6 = Activation::kRelu6,
                       kNone = Activation::kNone;
  return {
      // 3x3 convolution: the paper's CONV layers (64x64, f -> f) and a ResNet-like stage.
      {"conv3x3_i8_64x64_256to256", kConv, false, true, 1, 64, 64, 256, 256, 3, 1, 1, kSame, kRelu},
      {"conv3x3_i8_64x64_702to702", kConv, false, true, 1, 64, 64, 702, 702, 3, 1, 1, kSame, kRelu},
      {"conv3x3_i8_56x56_128to128", kConv, false, true, 1, 56, 56, 128, 128, 3, 1, 1, kSame, kRelu},
      {"conv3x3_u8_56x56_128to128", kConv, true, false, 1, 56, 56, 128, 128, 3, 1, 1, kSame, kRelu6},
      // 1x1 convolution: MobileNet pointwise layers.
      {"conv1x1_i8_28x28_256to256", kConv, false, true, 1, 28, 28, 256, 256, 1, 1, 1, kSame, kRelu6},
      {"conv1x1_u8_28x28_256to256", kConv, true, false, 1, 28, 28, 256, 256, 1, 1, 1, kSame, kRelu6},
      {"conv1x1_u8_14x14_512to512", kConv, true, false, 1, 14, 14, 512, 512, 1, 1, 1, kSame, kRelu6},
      // Depthwise 3x3: MobileNet (uint8: direct kernel; int8: oneDNN).
      {"depthwise3x3_u8_112x112x32", kDepthwise, true, false, 1, 112, 112, 32, 32, 3, 1, 1, kSame, kRelu6},
      {"depthwise3x3_u8_28x28x256", kDepthwise, true, false, 1, 28, 28, 256, 256, 3, 1, 1, kSame, kRelu6},
      {"depthwise3x3_i8_28x28x256", kDepthwise, false, true, 1, 28, 28, 256, 256, 3, 1, 1, kSame, kRelu6},
      // Fully connected, batch 1 (weight streaming) and batched (weight reuse).
      {"fc_i8_batch1_2620to2620", kFc, false, false, 1, 1, 1, 2620, 2620, 1, 1, 1, kSame, kNone},
      {"fc_u8_batch1_1280to965", kFc, true, false, 1, 1, 1, 1280, 965, 1, 1, 1, kSame, kNone},
      {"fc_i8_batch50_2620to2620", kFc, false, false, 50, 1, 1, 2620, 2620, 1, 1, 1, kSame, kNone},
      {"fc_i8_batch256_2620to2620", kFc, false, false, 256, 1, 1, 2620, 2620, 1, 1, 1, kSame, kNone},
      {"fc_u8_batch256_1024to1024", kFc, true, false, 256, 1, 1, 1024, 1024, 1, 1, 1, kSame, kNone},
  };
}

}  // namespace
}  // namespace segpipe::bench

int main(int argc, char** argv) {
  using namespace segpipe::bench;  // NOLINT
  g_peak_gops = MeasureVnniPeakGops();
  std::fprintf(stderr, "measured int8 VNNI peak: %.1f GOPS (one thread)\n", g_peak_gops);
  for (const segpipe::LayerSpec& spec : BenchLayers()) {
    benchmark::RegisterBenchmark(("BM_Layer/" + spec.name).c_str(), BM_Layer, spec)
        ->Unit(benchmark::kMicrosecond);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
