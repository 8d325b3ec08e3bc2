// Building single-op Models in code for kernel tests: tensors with quantization, constants from
// values, and running one op on given inputs through the reference kernel.
#ifndef SEGPIPE_KERNELS_INTERNAL_REFERENCE_TEST_UTIL_H_
#define SEGPIPE_KERNELS_INTERNAL_REFERENCE_TEST_UTIL_H_

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "segpipe/kernels/internal/kernel.h"
#include "segpipe/model/model.h"

namespace segpipe::kernel_testing {

inline Quantization Q(float scale, int64_t zero_point) { return {{scale}, {zero_point}, 0}; }

inline int32_t AddTensor(Model& m, DataType type, std::vector<int32_t> shape, Quantization q = {}) {
  Tensor t;
  t.name = "t";
  t.name += std::to_string(m.tensors.size());
  t.type = type;
  t.shape = std::move(shape);
  t.quant = std::move(q);
  m.tensors.push_back(std::move(t));
  return static_cast<int32_t>(m.tensors.size() - 1);
}

// A constant holding `values` converted to the element type (int8/uint8/int32/int64/float).
template <typename V>
int32_t AddConstant(Model& m, DataType type, std::vector<int32_t> shape, const std::vector<V>& values,
                    Quantization q = {}) {
  const int32_t index = AddTensor(m, type, std::move(shape), std::move(q));
  Tensor& t = m.tensor(index);
  t.is_constant = true;
  const size_t size = static_cast<size_t>(DataTypeSize(type));
  t.data.resize(values.size() * size);
  for (size_t i = 0; i < values.size(); ++i) {
    uint8_t* p = t.data.data() + i * size;
    switch (type) {
      case DataType::kInt8: { int8_t v = static_cast<int8_t>(values[i]); std::memcpy(p, &v, 1); break; }
      case DataType::kUInt8: { uint8_t v = static_cast<uint8_t>(values[i]); std::memcpy(p, &v, 1); break; }
      case DataType::kInt32: { int32_t v = static_cast<int32_t>(values[i]); std::memcpy(p, &v, 4); break; }
      case DataType::kInt64: { int64_t v = static_cast<int64_t>(values[i]); std::memcpy(p, &v, 8); break; }
      case DataType::kFloat32: { float v = static_cast<float>(values[i]); std::memcpy(p, &v, 4); break; }
      default: break;
    }
  }
  return index;
}

inline void AddOp(Model& m, OpType type, std::vector<int32_t> inputs, std::vector<int32_t> outputs,
                  OpOptions options = {}) {
  Op op;
  op.type = type;
  op.inputs = std::move(inputs);
  op.outputs = std::move(outputs);
  op.options = std::move(options);
  m.ops.push_back(std::move(op));
}

// Runs `kernel`, built for op 0 of `m`. `inputs` holds the bytes of each non-constant op input
// in order; returns the bytes of every output.
inline std::vector<std::vector<uint8_t>> RunKernel(const Model& m, Kernel& kernel,
                                                   const std::vector<std::vector<uint8_t>>& inputs) {
  const Op& op = m.ops[0];
  std::vector<const uint8_t*> in;
  size_t next = 0;
  for (int32_t t : op.inputs) {
    if (t < 0) {
      in.push_back(nullptr);
    } else if (m.tensor(t).is_constant) {
      in.push_back(m.tensor(t).data.data());
    } else {
      SEGPIPE_CHECK(next < inputs.size());
      SEGPIPE_CHECK(static_cast<int64_t>(inputs[next].size()) == m.tensor(t).num_bytes());
      in.push_back(inputs[next++].data());
    }
  }
  std::vector<std::vector<uint8_t>> outputs;
  for (int32_t t : op.outputs) outputs.emplace_back(static_cast<size_t>(m.tensor(t).num_bytes()), 0xAB);
  std::vector<uint8_t*> out;
  for (auto& o : outputs) out.push_back(o.data());
  kernel.Run(KernelIo{in, out});
  return outputs;
}

// Runs op 0 of `m` with the reference kernel (see RunKernel). Prepare failures abort the test via
// CHECK, so call PrepareReferenceKernel directly to test them.
inline std::vector<std::vector<uint8_t>> RunOp(const Model& m, const std::vector<std::vector<uint8_t>>& inputs) {
  StatusOr<std::unique_ptr<Kernel>> kernel = PrepareReferenceKernel(m, 0);
  SEGPIPE_CHECK(kernel.ok());
  return RunKernel(m, **kernel, inputs);
}

template <typename T>
std::vector<uint8_t> Bytes(const std::vector<T>& values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(T));
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

template <typename T>
std::vector<T> Values(const std::vector<uint8_t>& bytes) {
  std::vector<T> values(bytes.size() / sizeof(T));
  std::memcpy(values.data(), bytes.data(), values.size() * sizeof(T));
  return values;
}

}  // namespace segpipe::kernel_testing

#endif  // SEGPIPE_KERNELS_INTERNAL_REFERENCE_TEST_UTIL_H_
