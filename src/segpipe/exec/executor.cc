// Executor: kernel preparation, arena planning from tensor lifetimes, and the Invoke loop.
#include "segpipe/exec/internal/executor.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

namespace segpipe {
namespace {

constexpr int64_t kArenaAlignmentBytes = 64;

int64_t AlignUp(int64_t bytes) {
  return (bytes + kArenaAlignmentBytes - 1) / kArenaAlignmentBytes * kArenaAlignmentBytes;
}

void FreeArena(uint8_t* p) { std::free(p); }

}  // namespace

ArenaPlan PlanArena(const Model& model) {
  const int num_ops = static_cast<int>(model.ops.size());
  std::vector<int> first(model.tensors.size(), num_ops + 1);
  std::vector<int> last(model.tensors.size(), -2);
  auto touch = [&](int32_t t, int op) {
    if (t < 0 || model.tensor(t).is_constant) return;
    first[t] = std::min(first[t], op);
    last[t] = std::max(last[t], op);
  };
  // Model inputs and outputs live for the whole invocation: callers write inputs before it
  // and read outputs after it (and inputs are kept intact for repeated runs).
  for (int32_t t : model.inputs) touch(t, -1), touch(t, num_ops);
  for (int32_t t : model.outputs) touch(t, -1), touch(t, num_ops);
  for (int i = 0; i < num_ops; ++i) {
    for (int32_t t : model.ops[i].inputs) touch(t, i);
    for (int32_t t : model.ops[i].outputs) touch(t, i);
  }
  ArenaPlan plan;
  for (size_t t = 0; t < model.tensors.size(); ++t) {
    if (last[t] < -1) continue;  // constant or unused
    plan.slots.push_back({static_cast<int32_t>(t), 0, AlignUp(model.tensors[t].num_bytes()),
                          first[t], last[t]});
  }
  // Largest first; each slot takes the lowest offset free of every already placed slot whose
  // lifetime overlaps its own.
  std::vector<size_t> order(plan.slots.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return plan.slots[a].size_bytes > plan.slots[b].size_bytes;
  });
  std::vector<size_t> placed;
  for (size_t idx : order) {
    ArenaSlot& s = plan.slots[idx];
    std::vector<std::pair<int64_t, int64_t>> busy;  // [begin, end) of overlapping slots
    for (size_t p : placed) {
      const ArenaSlot& o = plan.slots[p];
      if (o.first_op <= s.last_op && s.first_op <= o.last_op) {
        busy.emplace_back(o.offset_bytes, o.offset_bytes + o.size_bytes);
      }
    }
    std::sort(busy.begin(), busy.end());
    int64_t offset = 0;
    for (const auto& [begin, end] : busy) {
      if (offset + s.size_bytes <= begin) break;
      offset = std::max(offset, end);
    }
    s.offset_bytes = offset;
    plan.arena_bytes = std::max(plan.arena_bytes, offset + s.size_bytes);
    placed.push_back(idx);
  }
  return plan;
}

Executor::Executor(Model model, const KernelOptions& options)
    : model_(std::move(model)), options_(options), arena_(nullptr, FreeArena) {}

Executor::~Executor() = default;

StatusOr<std::unique_ptr<Executor>> Executor::Create(Model model, const KernelOptions& options) {
  if (options.num_threads < 1) {
    return InvalidArgumentError("number of threads must be at least 1, got " +
                                std::to_string(options.num_threads));
  }
  std::unique_ptr<Executor> exec(new Executor(std::move(model), options));
  SEGPIPE_RETURN_IF_ERROR(exec->Prepare());
  return exec;
}

Status Executor::Prepare() {
  const int num_ops = static_cast<int>(model_.ops.size());
  for (int32_t t : model_.inputs) {
    if (t < 0 || t >= static_cast<int32_t>(model_.tensors.size())) {
      return InvalidArgumentError("model input refers to tensor " + std::to_string(t) +
                                  " which does not exist");
    }
  }
  for (int32_t t : model_.outputs) {
    if (t < 0 || t >= static_cast<int32_t>(model_.tensors.size())) {
      return InvalidArgumentError("model output refers to tensor " + std::to_string(t) +
                                  " which does not exist");
    }
  }
  kernels_.resize(num_ops);
  for (int i = 0; i < num_ops; ++i) {
    if (options_.kernels == KernelSet::kFast) {
      SEGPIPE_ASSIGN_OR_RETURN(kernels_[i], PrepareFastKernel(model_, i, options_));
      if (kernels_[i] != nullptr) ++num_fast_kernels_;
    }
    if (kernels_[i] == nullptr) {
      SEGPIPE_ASSIGN_OR_RETURN(kernels_[i], PrepareReferenceKernel(model_, i));
    }
  }

  const ArenaPlan plan = PlanArena(model_);
  if (plan.arena_bytes > options_.max_arena_bytes) {
    return ResourceExhaustedError(
        "the model needs an activation arena of " + std::to_string(plan.arena_bytes >> 20) +
        " MiB, above the limit of " + std::to_string(options_.max_arena_bytes >> 20) +
        " MiB: check the tensor shapes, or raise KernelOptions::max_arena_bytes");
  }
  tensor_offset_bytes_.assign(model_.tensors.size(), -1);
  for (const ArenaSlot& s : plan.slots) tensor_offset_bytes_[s.tensor] = s.offset_bytes;
  arena_size_bytes_ = static_cast<size_t>(std::max<int64_t>(plan.arena_bytes, kArenaAlignmentBytes));
  void* memory = std::aligned_alloc(kArenaAlignmentBytes, arena_size_bytes_);
  if (memory == nullptr) {
    return ResourceExhaustedError("cannot allocate the activation arena of " +
                                  std::to_string(arena_size_bytes_) + " bytes");
  }
  arena_.reset(static_cast<uint8_t*>(memory));
  std::memset(arena_.get(), 0, arena_size_bytes_);

  op_inputs_.resize(num_ops);
  op_outputs_.resize(num_ops);
  for (int i = 0; i < num_ops; ++i) {
    const Op& op = model_.ops[i];
    op_inputs_[i].clear();
    op_outputs_[i].clear();
    for (int32_t t : op.inputs) op_inputs_[i].push_back(t < 0 ? nullptr : TensorData(t));
    for (int32_t t : op.outputs) op_outputs_[i].push_back(TensorData(t));
  }
  return OkStatus();
}

uint8_t* Executor::TensorData(int32_t tensor) {
  Tensor& t = model_.tensor(tensor);
  if (t.is_constant) return t.data.data();
  const int64_t offset = tensor_offset_bytes_[tensor];
  SEGPIPE_CHECK(offset >= 0);
  return arena_.get() + offset;
}

const Tensor& Executor::input_tensor(int i) const {
  SEGPIPE_CHECK(i >= 0 && i < num_inputs());
  return model_.tensor(model_.inputs[i]);
}

const Tensor& Executor::output_tensor(int i) const {
  SEGPIPE_CHECK(i >= 0 && i < num_outputs());
  return model_.tensor(model_.outputs[i]);
}

std::span<uint8_t> Executor::input(int i) {
  const Tensor& t = input_tensor(i);
  return {TensorData(model_.inputs[i]), static_cast<size_t>(t.num_bytes())};
}

std::span<const uint8_t> Executor::output(int i) const {
  const Tensor& t = output_tensor(i);
  // TensorData only hands out pointers into memory this object owns; const_cast keeps one
  // lookup path for both accessors.
  uint8_t* data = const_cast<Executor*>(this)->TensorData(model_.outputs[i]);
  return {data, static_cast<size_t>(t.num_bytes())};
}

void Executor::Invoke() {
  for (size_t i = 0; i < kernels_.size(); ++i) {
    KernelIo io{std::span<const uint8_t* const>(op_inputs_[i]),
                std::span<uint8_t* const>(op_outputs_[i])};
    kernels_[i]->Run(io);
  }
}

StatusOr<std::vector<std::vector<uint8_t>>> Executor::Run(
    std::span<const std::vector<uint8_t>> inputs) {
  if (static_cast<int>(inputs.size()) != num_inputs()) {
    return InvalidArgumentError("model takes " + std::to_string(num_inputs()) +
                                " inputs, got " + std::to_string(inputs.size()));
  }
  for (int i = 0; i < num_inputs(); ++i) {
    std::span<uint8_t> dst = input(i);
    if (inputs[i].size() != dst.size()) {
      return InvalidArgumentError("input " + std::to_string(i) + " ('" + input_tensor(i).name +
                                  "') takes " + std::to_string(dst.size()) + " bytes, got " +
                                  std::to_string(inputs[i].size()));
    }
    std::memcpy(dst.data(), inputs[i].data(), dst.size());
  }
  Invoke();
  std::vector<std::vector<uint8_t>> outputs;
  for (int i = 0; i < num_outputs(); ++i) {
    std::span<const uint8_t> out = output(i);
    outputs.emplace_back(out.begin(), out.end());
  }
  return outputs;
}

}  // namespace segpipe
