// Whole-model single-thread latency of the Executor with the fast kernels: MobileNet v1 1.0 224
// (run as its two files, embedding_extractor then head_layers), MobileNet v2 1.0 224, and the
// paper's FC and CONV families (built in code, int8, shapes as in shared/paper/SYSTEM.md).
//
//   build/bench/models_benchmark --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true --benchmark_out=models.json
//       --benchmark_out_format=json [--export_dir=DIR]   (one command line)
//
// --export_dir=DIR also writes, for bench/tflite_wasm_bench.mjs, every model as .tflite, the
// input each benchmark feeds it (input.bin) and DIR/manifest.json, so the TFLite runtime is
// timed on the same models and inputs. Counters: GOPS (2 ops per MAC) and pct_of_peak against
// the VNNI peak measured in this process (peak.h).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "peak.h"
#include "segpipe/exec/internal/executor.h"
#include "segpipe/kernels/internal/dnnl_layer_models.h"
#include "segpipe/model/model.h"
#include "segpipe/tflite/internal/reader.h"
#include "segpipe/tflite/internal/writer.h"

namespace segpipe::bench {
namespace {

double g_peak_gops = 0.0;

// A benchmarked network: one or more models run back to back (output 0 feeds input 0).
struct Network {
  std::string name;
  std::vector<Model> parts;
  std::vector<std::string> files;  // .tflite paths of the parts (set when read or exported)
};

// Deterministic input bytes, the same generator as bench/tflite_wasm_bench.mjs would need to
// reproduce; the bytes themselves are exported with --export_dir.
std::vector<uint8_t> InputBytes(size_t size) {
  std::vector<uint8_t> bytes(size);
  uint32_t state = 12345;
  for (uint8_t& b : bytes) {
    state = state * 1664525u + 1013904223u;
    b = static_cast<uint8_t>(state >> 24);
  }
  return bytes;
}

// Appends `layer` (a one-op model from BuildLayerModel) to `chain`, reading `chain`'s current
// output. Returns the index of the new output tensor.
int32_t AppendLayer(Model& chain, const Model& layer) {
  const int32_t previous_output = chain.outputs[0];
  std::vector<int32_t> remap(layer.tensors.size(), -1);
  for (size_t t = 0; t < layer.tensors.size(); ++t) {
    if (static_cast<int32_t>(t) == layer.inputs[0]) {
      remap[t] = previous_output;
      continue;
    }
    remap[t] = static_cast<int32_t>(chain.tensors.size());
    Tensor copy = layer.tensors[t];
    chain.tensors.push_back(std::move(copy));
  }
  Op op = layer.ops[0];
  for (int32_t& i : op.inputs) i = i < 0 ? -1 : remap[static_cast<size_t>(i)];
  for (int32_t& o : op.outputs) o = remap[static_cast<size_t>(o)];
  chain.ops.push_back(op);
  chain.outputs = {op.outputs[0]};
  return op.outputs[0];
}

void AppendTanh(Model& chain) {
  Tensor out = chain.tensor(chain.outputs[0]);
  out.name = "tanh";
  out.quant.scale = {1.0f / 128};  // TFLite's fixed int8 tanh output quantization
  out.quant.zero_point = {0};
  chain.tensors.push_back(std::move(out));
  Op op;
  op.type = OpType::kTanh;
  op.inputs = {chain.outputs[0]};
  op.outputs = {static_cast<int32_t>(chain.tensors.size()) - 1};
  chain.ops.push_back(op);
  chain.outputs = op.outputs;
}

// Starts a chain whose only tensor is the input of `first_layer`.
Model StartChain(const Model& first_layer, const std::string& description) {
  Model chain;
  chain.description = description;
  chain.tensors.push_back(first_layer.tensor(first_layer.inputs[0]));
  chain.inputs = {0};
  chain.outputs = {0};
  return chain;
}

// The paper's FC family: 64 -> n -> n -> n -> n -> 10, tanh after the hidden layers, int8
// per-tensor weights.
Model PaperFcModel(int32_t n) {
  const int32_t widths[] = {64, n, n, n, n, 10};
  Model chain;
  for (int layer = 0; layer < 5; ++layer) {
    LayerSpec spec;
    spec.name = "fc" + std::to_string(layer);
    spec.type = OpType::kFullyConnected;
    spec.per_channel = false;
    spec.in_channels = widths[layer];
    spec.out_channels = widths[layer + 1];
    const Model one = BuildLayerModel(spec, static_cast<uint32_t>(layer + 1));
    if (layer == 0) chain = StartChain(one, "paper FC n=" + std::to_string(n));
    AppendLayer(chain, one);
    if (layer < 4) AppendTanh(chain);
  }
  return chain;
}

// The paper's CONV family: 64x64x3, five 3x3 stride-1 SAME ReLU convolutions of f filters, int8
// per-channel weights.
Model PaperConvModel(int32_t f) {
  Model chain;
  for (int layer = 0; layer < 5; ++layer) {
    LayerSpec spec;
    spec.name = "conv" + std::to_string(layer);
    spec.type = OpType::kConv2D;
    spec.height = spec.width = 64;
    spec.in_channels = layer == 0 ? 3 : f;
    spec.out_channels = f;
    spec.kernel = 3;
    spec.activation = Activation::kRelu;
    const Model one = BuildLayerModel(spec, static_cast<uint32_t>(layer + 1));
    if (layer == 0) chain = StartChain(one, "paper CONV f=" + std::to_string(f));
    AppendLayer(chain, one);
  }
  return chain;
}

int64_t NetworkMacs(const Network& net) {
  int64_t macs = 0;
  for (const Model& m : net.parts) macs += ModelMacs(m);
  return macs;
}

void BM_Network(benchmark::State& state, const Network* net) {
  std::vector<std::unique_ptr<Executor>> executors;
  for (const Model& part : net->parts) {
    auto exec = Executor::Create(part, {.kernels = KernelSet::kFast, .num_threads = 1});
    if (!exec.ok()) {
      state.SkipWithError(exec.status().ToString().c_str());
      return;
    }
    executors.push_back(std::move(*exec));
  }
  const std::vector<uint8_t> input = InputBytes(executors[0]->input(0).size());
  std::memcpy(executors[0]->input(0).data(), input.data(), input.size());
  int fast_ops = 0, ops = 0;
  for (const auto& e : executors) {
    fast_ops += e->num_fast_kernels();
    ops += static_cast<int>(e->model().ops.size());
  }
  for (auto _ : state) {
    for (size_t i = 0; i < executors.size(); ++i) {
      if (i > 0) {
        const auto from = executors[i - 1]->output(0);
        std::memcpy(executors[i]->input(0).data(), from.data(), from.size());
      }
      executors[i]->Invoke();
    }
    benchmark::ClobberMemory();
  }
  const double gop = 2.0 * static_cast<double>(NetworkMacs(*net)) / 1e9;
  state.counters["GOPS"] = benchmark::Counter(gop, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["pct_of_peak"] = benchmark::Counter(
      100.0 * gop / g_peak_gops, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["peak_GOPS"] = g_peak_gops;
  state.counters["fast_ops"] = fast_ops;
  state.counters["ops"] = ops;
}

// Writes the models, their input and a manifest for the TFLite runtime timing script.
bool Export(std::vector<Network>& nets, const std::string& dir) {
  std::filesystem::create_directories(dir);
  std::string manifest = "[\n";
  for (size_t k = 0; k < nets.size(); ++k) {
    Network& net = nets[k];
    if (net.files.empty()) {
      for (size_t i = 0; i < net.parts.size(); ++i) {
        const std::string path = dir + "/" + net.name + "_" + std::to_string(i) + ".tflite";
        const Status written = WriteTfliteFile(net.parts[i], path);
        if (!written.ok()) {
          std::fprintf(stderr, "writing %s: %s\n", path.c_str(), written.ToString().c_str());
          return false;
        }
        net.files.push_back(path);
      }
    }
    const Model& first = net.parts[0];
    const std::vector<uint8_t> input =
        InputBytes(static_cast<size_t>(first.tensor(first.inputs[0]).num_bytes()));
    const std::string input_path = dir + "/" + net.name + ".input.bin";
    std::ofstream(input_path, std::ios::binary)
        .write(reinterpret_cast<const char*>(input.data()), static_cast<std::streamsize>(input.size()));
    manifest += "  {\"name\": \"" + net.name + "\", \"macs\": " + std::to_string(NetworkMacs(net)) +
                ", \"input\": \"" + std::filesystem::absolute(input_path).string() + "\", \"models\": [";
    for (size_t i = 0; i < net.files.size(); ++i) {
      if (i > 0) manifest += ", ";
      manifest += '"';
      manifest += std::filesystem::absolute(net.files[i]).string();
      manifest += '"';
    }
    manifest += k + 1 < nets.size() ? "]},\n" : "]}\n";
  }
  manifest += "]\n";
  std::ofstream(dir + "/manifest.json") << manifest;
  return true;
}

}  // namespace
}  // namespace segpipe::bench

int main(int argc, char** argv) {
  using namespace segpipe;         // NOLINT
  using namespace segpipe::bench;  // NOLINT
  std::string export_dir;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--export_dir=", 13) == 0) {
      export_dir = argv[i] + 13;
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;

  static std::vector<Network> nets;
  const std::string models = std::string(SEGPIPE_SHARED_DIR) + "/models/coral/";
  const std::vector<std::pair<std::string, std::vector<std::string>>> files = {
      {"mobilenet_v1_1.0_224",
       {models + "mobilenet_v1_1.0_224_quant_embedding_extractor.tflite",
        models + "tools__mobilenet_quant_v1_224_head_layers.tflite"}},
      {"mobilenet_v2_1.0_224", {models + "mobilenet_v2_1.0_224_quant.tflite"}},
  };
  for (const auto& [name, paths] : files) {
    Network net{.name = name, .parts = {}, .files = paths};
    for (const std::string& path : paths) {
      auto model = ReadTfliteFile(path);
      if (!model.ok()) {
        std::fprintf(stderr, "%s: %s\n", path.c_str(), model.status().ToString().c_str());
        return 1;
      }
      net.parts.push_back(std::move(*model));
    }
    nets.push_back(std::move(net));
  }
  for (int32_t n : {100, 1020, 2620}) {
    nets.push_back({.name = "paper_fc_n" + std::to_string(n), .parts = {PaperFcModel(n)}, .files = {}});
  }
  for (int32_t f : {32, 128, 256}) {
    nets.push_back({.name = "paper_conv_f" + std::to_string(f), .parts = {PaperConvModel(f)}, .files = {}});
  }
  if (!export_dir.empty() && !Export(nets, export_dir)) return 1;

  g_peak_gops = MeasureVnniPeakGops();
  std::fprintf(stderr, "measured int8 VNNI peak: %.1f GOPS (one thread)\n", g_peak_gops);
  for (const Network& net : nets) {
    benchmark::RegisterBenchmark(("BM_Model/" + net.name).c_str(), BM_Network, &net)
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
