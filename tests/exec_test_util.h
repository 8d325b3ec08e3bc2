// Helpers for the executor's cross-layer tests: random input sets, running a .tflite file in the
// real TFLite runtime (WebAssembly under Node, see tests/node/README.md), comparing outputs.
#ifndef SEGPIPE_TESTS_EXEC_TEST_UTIL_H_
#define SEGPIPE_TESTS_EXEC_TEST_UTIL_H_

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "segpipe/core/status.h"
#include "segpipe/model/model.h"

namespace segpipe::testing {

// One input set = one byte vector per model input.
using TensorSet = std::vector<std::vector<uint8_t>>;

inline std::string SharedPath(const std::string& relative) {
  return std::string(SEGPIPE_SHARED_DIR) + "/" + relative;
}

// `count` sets of uniformly random bytes for the model's inputs, from a fixed seed.
inline std::vector<TensorSet> RandomInputSets(const Model& model, int count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(0, 255);
  std::vector<TensorSet> sets(static_cast<size_t>(count));
  for (TensorSet& set : sets) {
    for (int32_t t : model.inputs) {
      std::vector<uint8_t> bytes(static_cast<size_t>(model.tensor(t).num_bytes()));
      for (uint8_t& b : bytes) b = static_cast<uint8_t>(byte(rng));
      set.push_back(std::move(bytes));
    }
  }
  return sets;
}

inline std::vector<uint8_t> ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// Runs `model_path` in the TFLite WebAssembly runtime on every set; returns the outputs per set.
// `work_dir` is created and holds the exchanged files.
inline StatusOr<std::vector<TensorSet>> RunInTfliteRuntime(const std::string& model_path,
                                                           const std::vector<TensorSet>& inputs,
                                                           int num_outputs,
                                                           const std::filesystem::path& work_dir) {
  namespace fs = std::filesystem;
  const std::string node_dir = std::string(SEGPIPE_SOURCE_DIR) + "/tests/node";
  const std::string log = (work_dir / "log.txt").string();
  fs::remove_all(work_dir);
  fs::create_directories(work_dir / "in");
  for (size_t k = 0; k < inputs.size(); ++k) {
    const fs::path dir = work_dir / "in" / std::to_string(1000 + k);  // sorted like k
    fs::create_directories(dir);
    for (size_t i = 0; i < inputs[k].size(); ++i) {
      std::ofstream out(dir / ("input" + std::to_string(i) + ".bin"), std::ios::binary);
      out.write(reinterpret_cast<const char*>(inputs[k][i].data()),
                static_cast<std::streamsize>(inputs[k][i].size()));
    }
  }
  std::string cmd = "bash '" + node_dir + "/ensure.sh' > '" + log + "' 2>&1";
  if (std::system(cmd.c_str()) != 0) {
    const std::vector<uint8_t> text = ReadAll(log);
    return UnavailableError("tests/node/ensure.sh failed: " + std::string(text.begin(), text.end()));
  }
  cmd = "node '" + node_dir + "/tflite_run.mjs' '" + model_path + "' '" + (work_dir / "in").string() +
        "' '" + (work_dir / "out").string() + "' > '" + log + "' 2>&1";
  if (std::system(cmd.c_str()) != 0) {
    const std::vector<uint8_t> text = ReadAll(log);
    return UnavailableError("tflite_run.mjs failed: " + std::string(text.begin(), text.end()));
  }
  std::vector<TensorSet> outputs(inputs.size());
  for (size_t k = 0; k < inputs.size(); ++k) {
    const fs::path dir = work_dir / "out" / std::to_string(1000 + k);
    for (int j = 0; j < num_outputs; ++j) {
      const fs::path file = dir / ("output" + std::to_string(j) + ".bin");
      if (!fs::exists(file)) return NotFoundError(file.string() + " was not written");
      outputs[k].push_back(ReadAll(file));
    }
  }
  return outputs;
}

// Largest |a - b| over the elements of two 8-bit tensors of `type` (int8 or uint8); -1 when the
// sizes differ.
inline int MaxAbsDifference(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b, DataType type) {
  if (a.size() != b.size()) return -1;
  int worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const int x = type == DataType::kInt8 ? static_cast<int8_t>(a[i]) : a[i];
    const int y = type == DataType::kInt8 ? static_cast<int8_t>(b[i]) : b[i];
    worst = std::max(worst, std::abs(x - y));
  }
  return worst;
}

}  // namespace segpipe::testing

#endif  // SEGPIPE_TESTS_EXEC_TEST_UTIL_H_
