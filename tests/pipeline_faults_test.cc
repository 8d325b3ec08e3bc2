// Fault injection in the pipeline runtime, beyond the device failure and stalled consumer that
// pipeline_test.cc covers: a device that stalls and then recovers, a consumer that stops reading
// before the stream ends, cancellation in the middle of RunBatch, and destruction while every
// stage is busy. Each scenario runs under a deadline (a hang aborts the binary), checks that
// memory stays within the frame pools, that every input the pipeline accepted is answered (with
// its correct result or an error) unless the caller tore the pipeline down, and that teardown
// joins every thread (ASan/TSan builds see a leak or race otherwise).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "segpipe/pipeline/internal/pipeline.h"
#include "segpipe/pipeline/internal/toy_model_testutil.h"

namespace segpipe {
namespace {

using namespace std::chrono_literals;
using testing::RunWithDeadline;
using testing::ToyDevice;
using testing::ToyExpected;
using Io = testing::ToyIo;
using testing::ToyResidualModel;


// A toy device with faults on command: it stalls at one input until Release() (or Cancel()),
// and can sleep per input to stay busy. Cancel() also ends a busy sleep early. Counts Cancel
// calls so tests can see that teardown reached every device. Thread-safety: Invoke from the
// stage thread; Release, Cancel and the accessors from any thread.
class FaultyToyDevice : public ToyDevice {
 public:
  FaultyToyDevice(int64_t stall_at, std::chrono::microseconds busy)
      : stall_at_(stall_at), busy_(busy) {}

  Status Invoke(int64_t sequence, const DeviceIo& io) override {
    invocations_.fetch_add(1);
    {
      std::unique_lock lock(mu_);
      if (sequence == stall_at_) {
        stalled_.store(true);
        cv_.wait(lock, [&] { return released_ || cancelled_; });
        stalled_.store(false);
      } else if (busy_.count() > 0) {
        cv_.wait_for(lock, busy_, [&] { return cancelled_; });
      }
      if (cancelled_) return CancelledError("faulty toy device cancelled");
    }
    return ToyDevice::Invoke(sequence, io);
  }
  void Cancel() override {
    cancels_.fetch_add(1);
    std::lock_guard lock(mu_);
    cancelled_ = true;
    cv_.notify_all();
  }
  void Release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  bool stalled() const { return stalled_.load(); }
  int64_t invocations() const { return invocations_.load(); }
  int cancels() const { return cancels_.load(); }

 private:
  const int64_t stall_at_;
  const std::chrono::microseconds busy_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;   // guarded by mu_
  bool cancelled_ = false;  // guarded by mu_
  std::atomic<bool> stalled_{false};
  std::atomic<int64_t> invocations_{0};
  std::atomic<int> cancels_{0};
};

// Three stages over the toy model; stage `faulty` gets a FaultyToyDevice (returned in *out).
std::vector<std::unique_ptr<Device>> Devices(int faulty, int64_t stall_at,
                                             std::chrono::microseconds busy,
                                             FaultyToyDevice** out) {
  std::vector<std::unique_ptr<Device>> d;
  for (int i = 0; i < 3; ++i) {
    if (i == faulty) {
      auto f = std::make_unique<FaultyToyDevice>(stall_at, busy);
      *out = f.get();
      d.push_back(std::move(f));
    } else {
      d.push_back(std::make_unique<ToyDevice>());
    }
  }
  return d;
}

constexpr int kSplit[] = {0, 2, 4};

int64_t TotalFrames(const Pipeline& p) {
  int64_t frames = 0;
  for (int pool : p.PoolSizes()) frames += pool;
  return frames;
}

// Waits (bounded) until `value` stops changing for a few polls: the threads feeding it blocked.
void WaitUntilSettled(const std::atomic<int64_t>& value) {
  int64_t last = -1;
  for (int i = 0; i < 500 && value.load() != last; ++i) {
    last = value.load();
    std::this_thread::sleep_for(10ms);
  }
}

TEST(PipelineFaultsTest, StallThenRecoverAnswersEveryInputInOrder) {
  const Model m = ToyResidualModel();
  for (int stage = 0; stage < 3; ++stage) {
    SCOPED_TRACE(stage);
    RunWithDeadline([&] {
      FaultyToyDevice* dev = nullptr;
      auto p = Pipeline::Create(m, kSplit, Devices(stage, /*stall_at=*/10, 0us, &dev));
      ASSERT_TRUE(p.ok()) << p.status().ToString();
      ASSERT_TRUE((*p)->Start().ok());
      constexpr int kInputs = 60;
      std::atomic<int64_t> accepted{0}, popped{0};
      std::thread producer([&] {
        for (int k = 0; k < kInputs; ++k) {
          if (!(*p)->Push(Io(k).ins).ok()) break;
          accepted.fetch_add(1);
        }
        (*p)->CloseInput();
      });
      std::vector<std::optional<PopResult>> results;
      std::vector<std::vector<uint8_t>> out0, out1;
      std::thread consumer([&] {
        Io io(0);
        while (std::optional<PopResult> r = (*p)->Pop(io.outs)) {
          results.push_back(r);
          out0.push_back(io.out0);
          out1.push_back(io.out1);
          popped.fetch_add(1);
        }
      });
      while (!dev->stalled()) std::this_thread::sleep_for(1ms);
      WaitUntilSettled(accepted);
      // While stalled: nothing after input 10 came out, and the inputs inside fit the pools.
      EXPECT_LE(popped.load(), 10);
      EXPECT_LE(accepted.load() - popped.load(), TotalFrames(**p));
      EXPECT_LT(accepted.load(), kInputs);
      dev->Release();
      producer.join();
      consumer.join();
      ASSERT_EQ(accepted.load(), kInputs);
      ASSERT_EQ(results.size(), static_cast<size_t>(kInputs));
      for (int k = 0; k < kInputs; ++k) {
        EXPECT_EQ(results[k]->sequence, k);
        ASSERT_TRUE(results[k]->status.ok()) << k << ": " << results[k]->status.ToString();
        const auto expected = ToyExpected(m, k);
        EXPECT_EQ(out0[k], expected[0]) << k;
        EXPECT_EQ(out1[k], expected[1]) << k;
      }
      EXPECT_TRUE((*p)->Finish().ok());
      EXPECT_EQ((*p)->Stats().completed, kInputs);
      EXPECT_EQ((*p)->Stats().failed, 0);
    });
  }
}

TEST(PipelineFaultsTest, ConsumerThatStopsReadingDoesNotBlockFinish) {
  const Model m = ToyResidualModel();
  for (int capacity : {1, 3}) {
    SCOPED_TRACE(capacity);
    RunWithDeadline([&] {
      FaultyToyDevice* dev = nullptr;
      PipelineOptions options;
      options.queue_capacity = capacity;
      auto p = Pipeline::Create(m, kSplit, Devices(1, -1, 0us, &dev), options);
      ASSERT_TRUE(p.ok());
      ASSERT_TRUE((*p)->Start().ok());
      std::atomic<int64_t> accepted{0};
      Status last_push;
      std::thread producer([&] {
        for (int k = 0; k < 1000; ++k) {
          last_push = (*p)->Push(Io(k).ins);
          if (!last_push.ok()) break;
          accepted.fetch_add(1);
        }
      });
      // The consumer reads five results, correctly, then goes away.
      Io io(0);
      for (int k = 0; k < 5; ++k) {
        std::optional<PopResult> r = (*p)->Pop(io.outs);
        ASSERT_TRUE(r.has_value());
        EXPECT_EQ(r->sequence, k);
        ASSERT_TRUE(r->status.ok());
        EXPECT_EQ(io.out0, ToyExpected(m, k)[0]);
      }
      WaitUntilSettled(accepted);
      // Memory stays bounded: the producer is blocked with at most a pool's worth inside.
      EXPECT_LE(accepted.load() - 5, TotalFrames(**p));
      EXPECT_LT(accepted.load(), 1000);
      // The owner finishes without the consumer: unread results are dropped, the blocked
      // producer is released with an error, and every stage thread exits.
      EXPECT_TRUE((*p)->Finish().ok());
      producer.join();
      EXPECT_FALSE(last_push.ok());
      EXPECT_FALSE((*p)->Pop(io.outs).has_value());
      EXPECT_EQ((*p)->Stats().failed, 0);
    });
  }
}

TEST(PipelineFaultsTest, CancellationMidBatchAnswersEveryInput) {
  const Model m = ToyResidualModel();
  for (int stage = 0; stage < 3; ++stage) {
    SCOPED_TRACE(stage);
    RunWithDeadline([&] {
      FaultyToyDevice* dev = nullptr;
      constexpr int kBatch = 40;
      constexpr int kStallAt = 17;
      PipelineOptions options;
      options.input_capacity = 8;
      auto p = Pipeline::Create(m, kSplit, Devices(stage, kStallAt, 0us, &dev), options);
      ASSERT_TRUE(p.ok());
      ASSERT_TRUE((*p)->Start().ok());
      std::vector<std::unique_ptr<Io>> ios;
      std::vector<std::vector<std::span<const uint8_t>>> ins;
      std::vector<std::vector<std::span<uint8_t>>> outs;
      for (int k = 0; k < kBatch; ++k) {
        ios.push_back(std::make_unique<Io>(k));
        ins.push_back(ios.back()->ins);
        outs.push_back(ios.back()->outs);
      }
      // Statuses start ok and outputs zeroed: an input left unanswered would show up as "ok"
      // with outputs that do not match the model.
      std::vector<Status> statuses(kBatch);
      Status batch;
      std::thread runner([&] { batch = (*p)->RunBatch(ins, outs, statuses); });
      while (!dev->stalled()) std::this_thread::sleep_for(1ms);
      (*p)->Stop();  // cancel in the middle of the batch
      runner.join();
      EXPECT_FALSE(batch.ok());
      EXPECT_GE(dev->cancels(), 1);
      int ok = 0;
      for (int k = 0; k < kBatch; ++k) {
        SCOPED_TRACE(k);
        if (statuses[k].ok()) {
          ++ok;
          EXPECT_LT(k, kStallAt);
          const auto expected = ToyExpected(m, k);
          EXPECT_EQ(ios[k]->out0, expected[0]);
          EXPECT_EQ(ios[k]->out1, expected[1]);
        } else {
          EXPECT_FALSE(statuses[k].message().empty());
        }
      }
      // Results before the stall are never lost to the cancellation's errors out of order:
      // the ok ones form a prefix.
      for (int k = 0; k < ok; ++k) EXPECT_TRUE(statuses[k].ok()) << k;
      EXPECT_LE(ok, kStallAt);
    });
  }
}

TEST(PipelineFaultsTest, DestructionWhileEveryStageIsBusyJoinsPromptly) {
  const Model m = ToyResidualModel();
  for (int busy_stage = 0; busy_stage < 3; ++busy_stage) {
    SCOPED_TRACE(busy_stage);
    RunWithDeadline([&] {
      FaultyToyDevice* dev = nullptr;
      PipelineOptions options;
      options.input_capacity = 32;
      options.output_capacity = 32;
      // A device that takes 50 ms per input: without cancellation, draining 32 queued inputs
      // would take seconds; the destructor must cut that short.
      auto p = Pipeline::Create(m, kSplit, Devices(busy_stage, -1, 50000us, &dev), options);
      ASSERT_TRUE(p.ok());
      ASSERT_TRUE((*p)->Start().ok());
      int accepted = 0;
      for (int k = 0; k < 32; ++k) {
        if (!(*p)->Push(Io(k).ins).ok()) break;
        ++accepted;
      }
      EXPECT_GT(accepted, 0);
      while (dev->invocations() == 0) std::this_thread::sleep_for(1ms);
      const auto start = std::chrono::steady_clock::now();
      p->reset();  // stages busy, inputs queued, results unread
      const auto took = std::chrono::steady_clock::now() - start;
      // Generous bound (sanitizers, a loaded machine): far below the 1.6 s a full drain needs.
      EXPECT_LT(took, 1500ms);
    });
  }
}

TEST(PipelineFaultsTest, StopWhileProducerAndConsumerAreActiveReleasesBoth) {
  const Model m = ToyResidualModel();
  RunWithDeadline([&] {
    FaultyToyDevice* dev = nullptr;
    auto p = Pipeline::Create(m, kSplit, Devices(2, -1, 2000us, &dev));
    ASSERT_TRUE(p.ok());
    ASSERT_TRUE((*p)->Start().ok());
    std::atomic<int64_t> accepted{0}, answered{0};
    std::atomic<bool> wrong{false};
    std::thread producer([&] {
      for (int k = 0; k < 100000; ++k) {
        if (!(*p)->Push(Io(k).ins).ok()) break;
        accepted.fetch_add(1);
      }
    });
    std::thread consumer([&] {
      Io io(0);
      while (std::optional<PopResult> r = (*p)->Pop(io.outs)) {
        if (r->status.ok() && io.out0 != ToyExpected(m, r->sequence)[0]) wrong.store(true);
        answered.fetch_add(1);
      }
    });
    while (answered.load() < 5) std::this_thread::sleep_for(1ms);
    (*p)->Stop();
    producer.join();
    consumer.join();
    EXPECT_FALSE(wrong.load());
    EXPECT_GE(dev->cancels(), 1);
    EXPECT_LE(answered.load(), accepted.load());
    EXPECT_LE(accepted.load() - answered.load(), TotalFrames(**p));
  });
}

}  // namespace
}  // namespace segpipe
