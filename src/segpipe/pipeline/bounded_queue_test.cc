// Tests of BoundedQueue: FIFO order, blocking at capacity, close semantics, batch calls.
#include "segpipe/pipeline/internal/bounded_queue.h"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace segpipe {
namespace {

using namespace std::chrono_literals;

TEST(BoundedQueueTest, KeepsFifoOrderAcrossThreads) {
  BoundedQueue<int> q(2);
  constexpr int kCount = 20000;
  std::thread producer([&] {
    for (int i = 0; i < kCount; ++i) ASSERT_TRUE(q.Push(i));
    q.Close();
  });
  int expected = 0;
  while (std::optional<int> v = q.Pop()) EXPECT_EQ(*v, expected++);
  producer.join();
  EXPECT_EQ(expected, kCount);
  EXPECT_LE(q.high_water_mark(), 2u);
}

TEST(BoundedQueueTest, TryPushFailsWhenFullAndPushBlocksUntilPop) {
  BoundedQueue<int> q(1);
  int v = 1;
  EXPECT_TRUE(q.TryPush(v));
  int w = 2;
  EXPECT_FALSE(q.TryPush(w));
  std::atomic<bool> pushed{false};
  std::thread t([&] {
    q.Push(3);
    pushed = true;
  });
  std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(pushed.load());
  EXPECT_EQ(q.Pop(), 1);
  t.join();
  EXPECT_TRUE(pushed.load());
  EXPECT_EQ(q.Pop(), 3);
}

TEST(BoundedQueueTest, CloseDrainsThenEndsAndRefusesPush) {
  BoundedQueue<int> q(3);
  ASSERT_TRUE(q.Push(1));
  ASSERT_TRUE(q.Push(2));
  q.Close();
  EXPECT_FALSE(q.Push(4));
  EXPECT_EQ(q.Pop(), 1);
  EXPECT_EQ(q.Pop(), 2);
  EXPECT_EQ(q.Pop(), std::nullopt);
  int out = 0;
  EXPECT_EQ(q.PopFor(1ms, &out), QueueWait::kClosed);
}

TEST(BoundedQueueTest, CloseWakesBlockedPushAndPop) {
  BoundedQueue<int> full(1), empty(1);
  ASSERT_TRUE(full.Push(0));
  std::thread pusher([&] { EXPECT_FALSE(full.Push(1)); });
  std::thread popper([&] { EXPECT_EQ(empty.Pop(), std::nullopt); });
  std::this_thread::sleep_for(10ms);
  full.Close();
  empty.Close();
  pusher.join();
  popper.join();
}

TEST(BoundedQueueTest, PopForTimesOutOnEmptyQueue) {
  BoundedQueue<int> q(1);
  int out = 0;
  EXPECT_EQ(q.PopFor(2ms, &out), QueueWait::kTimedOut);
  q.Push(7);
  EXPECT_EQ(q.PopFor(2ms, &out), QueueWait::kOk);
  EXPECT_EQ(out, 7);
}

TEST(BoundedQueueTest, WholeBatchCallsMoveEveryElementInOrder) {
  BoundedQueue<int> q(3);
  std::vector<int> in(100);
  for (int i = 0; i < 100; ++i) in[static_cast<size_t>(i)] = i;
  std::thread producer([&] {
    EXPECT_EQ(q.PushAll(std::span<int>(in)), 100u);
    q.Close();
  });
  std::vector<int> got;
  int buf[8];
  while (size_t n = q.PopUpTo(std::span<int>(buf))) {
    EXPECT_LE(n, 3u);
    got.insert(got.end(), buf, buf + n);
  }
  producer.join();
  ASSERT_EQ(got.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(got[static_cast<size_t>(i)], i);
}

TEST(BoundedQueueTest, PushAllStopsAtClose) {
  BoundedQueue<int> q(2);
  std::vector<int> in(10, 1);
  std::thread closer([&] {
    std::this_thread::sleep_for(10ms);
    q.Close();
  });
  EXPECT_EQ(q.PushAll(std::span<int>(in)), 2u);
  closer.join();
}

}  // namespace
}  // namespace segpipe
