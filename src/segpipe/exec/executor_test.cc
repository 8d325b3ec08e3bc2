// Executor: arena planning from tensor lifetimes, running small models, and the errors Create
// gives before any inference.
#include "segpipe/exec/internal/executor.h"

#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "segpipe/kernels/internal/reference_test_util.h"

namespace segpipe {
namespace {

using kernel_testing::AddConstant;
using kernel_testing::AddOp;
using kernel_testing::AddTensor;
using kernel_testing::Q;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// x -> relu -> a -> relu -> b -> relu -> c: a and c may share bytes, b must not overlap either.
Model ReluChain(int length, int64_t elements) {
  Model m;
  int32_t prev = AddTensor(m, DataType::kUInt8, {static_cast<int32_t>(elements)}, Q(1.0f, 100));
  m.inputs = {prev};
  for (int i = 0; i < length; ++i) {
    const int32_t next = AddTensor(m, DataType::kUInt8, {static_cast<int32_t>(elements)}, Q(1.0f, 100));
    AddOp(m, OpType::kRelu, {prev}, {next});
    prev = next;
  }
  m.outputs = {prev};
  return m;
}

TEST(PlanArenaTest, TensorsAliveAtTheSameTimeNeverShareBytes) {
  const Model m = ReluChain(6, 1000);
  const ArenaPlan plan = PlanArena(m);
  ASSERT_EQ(plan.slots.size(), 7u);
  for (const ArenaSlot& a : plan.slots) {
    for (const ArenaSlot& b : plan.slots) {
      if (a.tensor == b.tensor) continue;
      const bool live_together = a.first_op <= b.last_op && b.first_op <= a.last_op;
      const bool overlap = a.offset_bytes < b.offset_bytes + b.size_bytes &&
                           b.offset_bytes < a.offset_bytes + a.size_bytes;
      EXPECT_FALSE(live_together && overlap) << a.tensor << " and " << b.tensor;
    }
  }
  // Input and output live throughout; the five intermediates need only two more buffers.
  EXPECT_EQ(plan.arena_bytes, 4 * 1024);
}

TEST(ExecutorTest, RunsAChainAndKeepsTheInputIntact) {
  StatusOr<std::unique_ptr<Executor>> exec = Executor::Create(ReluChain(3, 4), {.kernels = KernelSet::kReference});
  ASSERT_TRUE(exec.ok()) << exec.status().ToString();
  std::vector<std::vector<uint8_t>> in = {{90, 100, 110, 255}};
  StatusOr<std::vector<std::vector<uint8_t>>> out = (*exec)->Run(in);
  ASSERT_TRUE(out.ok());
  EXPECT_THAT((*out)[0], ElementsAre(100, 100, 110, 255));
  EXPECT_THAT(std::vector<uint8_t>((*exec)->input(0).begin(), (*exec)->input(0).end()),
              ElementsAre(90, 100, 110, 255));
  EXPECT_EQ((*exec)->Run({}).status().code(), StatusCode::kInvalidArgument);
  std::vector<std::vector<uint8_t>> wrong = {{1, 2}};
  EXPECT_EQ((*exec)->Run(wrong).status().code(), StatusCode::kInvalidArgument);
}

TEST(ExecutorTest, ADagWithASharedInputAndAConstantOutput) {
  // out0 = x + relu(x); out1 is a constant passed straight through.
  Model m;
  const int32_t x = AddTensor(m, DataType::kInt8, {3}, Q(1.0f, 0));
  const int32_t r = AddTensor(m, DataType::kInt8, {3}, Q(1.0f, 0));
  const int32_t s = AddTensor(m, DataType::kInt8, {3}, Q(1.0f, 0));
  const int32_t k = AddConstant(m, DataType::kInt8, {2}, std::vector<int>{7, -7}, Q(1.0f, 0));
  AddOp(m, OpType::kRelu, {x}, {r});
  AddOp(m, OpType::kAdd, {x, r}, {s});
  m.inputs = {x};
  m.outputs = {s, k};
  for (KernelSet set : {KernelSet::kReference, KernelSet::kFast}) {
    StatusOr<std::unique_ptr<Executor>> exec = Executor::Create(m, {.kernels = set});
    ASSERT_TRUE(exec.ok()) << exec.status().ToString();
    std::vector<std::vector<uint8_t>> in = {{static_cast<uint8_t>(-3), 4, 50}};
    StatusOr<std::vector<std::vector<uint8_t>>> out = (*exec)->Run(in);
    ASSERT_TRUE(out.ok());
    EXPECT_THAT((*out)[0], ElementsAre(static_cast<uint8_t>(-3), 8, 100));
    EXPECT_THAT((*out)[1], ElementsAre(7, static_cast<uint8_t>(-7)));
  }
}

TEST(ExecutorTest, CreateFailsBeforeInferenceNamingTheOp) {
  Model m = ReluChain(3, 4);
  m.ops[1].type = OpType::kCustom;
  m.ops[1].custom_code = "edgetpu-custom-op";
  StatusOr<std::unique_ptr<Executor>> exec = Executor::Create(m, {});
  ASSERT_FALSE(exec.ok());
  EXPECT_EQ(exec.status().code(), StatusCode::kUnimplemented);
  EXPECT_THAT(exec.status().message(), HasSubstr("op 1 (CUSTOM 'edgetpu-custom-op')"));

  m = ReluChain(3, 4);
  m.tensor(2).type = DataType::kInt16;
  exec = Executor::Create(m, {.kernels = KernelSet::kReference});
  ASSERT_FALSE(exec.ok());
  EXPECT_THAT(exec.status().message(), HasSubstr("op 1 (RELU)"));  // writes tensor 2
  EXPECT_THAT(exec.status().message(), HasSubstr("int16"));

  EXPECT_EQ(Executor::Create(ReluChain(1, 4), {.num_threads = 0}).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace segpipe
