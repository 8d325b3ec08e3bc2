// Test helpers: a tiny residual model with toy semantics, a device that runs its segments, and
// a whole-model evaluator to compare against. Toy semantics (tests only): RELU y = x + 1,
// ADD y = a + b, byte-wise mod 256; enough to tell whether every tensor reached the right stage.
#ifndef SEGPIPE_PIPELINE_INTERNAL_TOY_MODEL_TESTUTIL_H_
#define SEGPIPE_PIPELINE_INTERNAL_TOY_MODEL_TESTUTIL_H_

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <future>
#include <span>
#include <vector>

#include <gtest/gtest.h>

#include "segpipe/device/device.h"
#include "segpipe/model/model.h"

namespace segpipe::testing {

// t0 -RELU-> t1 -RELU-> t2; t3 = t2 + t0; t4 = RELU t3; t5 = t4 + t1. Outputs: t5, t2.
// Cutting after op 0 or 1 forces t0 / t1 to be forwarded past a stage.
inline Model ToyResidualModel(int width = 16) {
  Model m;
  for (int i = 0; i < 6; ++i) {
    Tensor t;
    t.name = std::string(1, 't') += std::to_string(i);
    t.type = DataType::kUInt8;
    t.shape = {1, width};
    m.tensors.push_back(t);
  }
  auto op = [](OpType type, std::vector<int32_t> in, int32_t out) {
    Op o;
    o.type = type;
    o.inputs = std::move(in);
    o.outputs = {out};
    return o;
  };
  m.ops = {op(OpType::kRelu, {0}, 1), op(OpType::kRelu, {1}, 2), op(OpType::kAdd, {2, 0}, 3),
           op(OpType::kRelu, {3}, 4), op(OpType::kAdd, {4, 1}, 5)};
  m.inputs = {0};
  m.outputs = {5, 2};
  return m;
}

// Evaluates `m` with toy semantics given its inputs; `values` has one buffer per tensor.
inline void ToyEvaluate(const Model& m, std::vector<std::vector<uint8_t>>& values) {
  for (const Op& op : m.ops) {
    std::vector<uint8_t>& y = values[static_cast<size_t>(op.outputs[0])];
    const std::vector<uint8_t>& a = values[static_cast<size_t>(op.inputs[0])];
    for (size_t i = 0; i < y.size(); ++i) {
      y[i] = op.type == OpType::kAdd
                 ? static_cast<uint8_t>(a[i] + values[static_cast<size_t>(op.inputs[1])][i])
                 : static_cast<uint8_t>(a[i] + 1);
    }
  }
}

// Runs its segment with toy semantics; scratch is allocated in Prepare, Invoke allocates nothing.
class ToyDevice : public Device {
 public:
  std::string kind() const override { return "toy"; }
  Status Prepare(const Model& segment) override {
    segment_ = &segment;
    values_.clear();
    for (const Tensor& t : segment.tensors) values_.emplace_back(t.num_bytes());
    return OkStatus();
  }
  Status Invoke(int64_t, const DeviceIo& io) override {
    for (size_t i = 0; i < io.inputs.size(); ++i)
      std::memcpy(values_[static_cast<size_t>(segment_->inputs[i])].data(), io.inputs[i].data(),
                  io.inputs[i].size());
    ToyEvaluate(*segment_, values_);
    for (size_t i = 0; i < io.outputs.size(); ++i)
      std::memcpy(io.outputs[i].data(), values_[static_cast<size_t>(segment_->outputs[i])].data(),
                  io.outputs[i].size());
    return OkStatus();
  }

 private:
  const Model* segment_ = nullptr;
  std::vector<std::vector<uint8_t>> values_;
};

// Runs `fn` on another thread and aborts the test binary if it does not finish in time: a hang
// must fail loudly, not stall the suite.
template <typename Fn>
void RunWithDeadline(Fn fn, std::chrono::seconds limit = std::chrono::seconds(60)) {
  std::packaged_task<void()> task(std::move(fn));
  std::future<void> done = task.get_future();
  std::thread t(std::move(task));
  if (done.wait_for(limit) != std::future_status::ready) {
    ADD_FAILURE() << "deadlock: did not finish within " << limit.count() << " s";
    std::abort();
  }
  t.join();
  done.get();
}

// Input k of a toy model of `width` bytes: a different pattern for every k.
inline std::vector<uint8_t> ToyInput(int64_t k, int width = 16) {
  std::vector<uint8_t> in(static_cast<size_t>(width));
  for (int i = 0; i < width; ++i) in[static_cast<size_t>(i)] = static_cast<uint8_t>(k * 7 + i);
  return in;
}

// Outputs (t5, t2) of the unsegmented toy model `m` for input k.
inline std::vector<std::vector<uint8_t>> ToyExpected(const Model& m, int64_t k) {
  const int width = m.tensors[0].shape[1];
  std::vector<std::vector<uint8_t>> values(m.tensors.size(),
                                           std::vector<uint8_t>(static_cast<size_t>(width)));
  values[0] = ToyInput(k, width);
  ToyEvaluate(m, values);
  return {values[5], values[2]};
}

// Buffers of toy input k and its two outputs, with the span lists Pipeline::Push/Pop take.
struct ToyIo {
  std::vector<uint8_t> in, out0, out1;
  std::vector<std::span<const uint8_t>> ins;
  std::vector<std::span<uint8_t>> outs;
  explicit ToyIo(int64_t k, int width = 16)
      : in(ToyInput(k, width)),
        out0(static_cast<size_t>(width)),
        out1(static_cast<size_t>(width)),
        ins{in},
        outs{out0, out1} {}
  // A copy's spans would point into the original; a move keeps them valid (the buffers move).
  ToyIo(const ToyIo&) = delete;
  ToyIo& operator=(const ToyIo&) = delete;
  ToyIo(ToyIo&&) = default;
  ToyIo& operator=(ToyIo&&) = default;
};

}  // namespace segpipe::testing

#endif  // SEGPIPE_PIPELINE_INTERNAL_TOY_MODEL_TESTUTIL_H_
