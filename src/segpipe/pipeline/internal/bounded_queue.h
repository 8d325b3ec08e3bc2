// A bounded, closable FIFO queue: the hand-off between pipeline stages.
//
//   BoundedQueue<Frame*> q(1);
//   producer:  if (!q.Push(frame)) return;            // blocks while full; false once closed
//   consumer:  while (std::optional<Frame*> f = q.Pop()) Use(*f);   // nullopt: closed and empty
//   either:    q.Close();                              // end of stream; wakes every waiter
//
// Storage is a ring allocated once in the constructor, so Push and Pop never allocate (the
// pipeline's steady state depends on it). Waiting is on condition variables: no thread spins.
// Close keeps what is queued: Pop drains it first, then returns nullopt; Push fails at once.
// Bounded on purpose: a slow consumer stalls its producer instead of growing memory.
//
// Thread-safety: every method may be called from any thread. The queue must outlive all calls.
#ifndef SEGPIPE_PIPELINE_INTERNAL_BOUNDED_QUEUE_H_
#define SEGPIPE_PIPELINE_INTERNAL_BOUNDED_QUEUE_H_

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "segpipe/core/status.h"

namespace segpipe {

enum class QueueWait { kOk, kTimedOut, kClosed };

template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : slots_(capacity) { SEGPIPE_CHECK(capacity > 0); }
  BoundedQueue(const BoundedQueue&) = delete;
  BoundedQueue& operator=(const BoundedQueue&) = delete;

  size_t capacity() const { return slots_.size(); }

  // Blocks while the queue is full. Returns false (and drops `value`) once the queue is closed.
  bool Push(T value) {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return closed_ || size_ < slots_.size(); });
    if (closed_) return false;
    PushLocked(std::move(value));
    lock.unlock();
    not_empty_.notify_one();
    return true;
  }

  // Like TryPush, but leaves waking a blocked Pop to a later Notify(): a caller about to do
  // something else first (start a device) moves the wake-up off its critical path. The caller
  // must call Notify() before it blocks or finishes, or a consumer may sleep on a queued value.
  bool TryPushDeferred(T& value) {
    std::lock_guard lock(mu_);
    if (closed_ || size_ == slots_.size()) return false;
    PushLocked(std::move(value));
    return true;
  }
  // Wakes one blocked Pop (after TryPushDeferred).
  void Notify() { not_empty_.notify_one(); }

  // Never blocks: false when full or closed (then `value` is left untouched).
  bool TryPush(T& value) {
    {
      std::lock_guard lock(mu_);
      if (closed_ || size_ == slots_.size()) return false;
      PushLocked(std::move(value));
    }
    not_empty_.notify_one();
    return true;
  }

  // Pushes every element of `values` in order, blocking for room as needed (a whole batch with
  // one lock round per run of free slots). Returns how many were pushed before the queue closed.
  size_t PushAll(std::span<T> values) {
    size_t pushed = 0;
    while (pushed < values.size()) {
      std::unique_lock lock(mu_);
      not_full_.wait(lock, [&] { return closed_ || size_ < slots_.size(); });
      if (closed_) break;
      while (pushed < values.size() && size_ < slots_.size()) PushLocked(std::move(values[pushed++]));
      lock.unlock();
      not_empty_.notify_all();
    }
    return pushed;
  }

  // Blocks while empty. nullopt once the queue is closed and drained.
  std::optional<T> Pop() {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [&] { return closed_ || size_ > 0; });
    if (size_ == 0) return std::nullopt;
    T value = PopLocked();
    lock.unlock();
    not_full_.notify_one();
    return value;
  }

  // Never blocks: false when empty (closed or not).
  bool TryPop(T* out) {
    {
      std::lock_guard lock(mu_);
      if (size_ == 0) return false;
      *out = PopLocked();
    }
    not_full_.notify_one();
    return true;
  }

  // Pop with a bound on the wait; tests use it to prove that nothing hangs.
  QueueWait PopFor(std::chrono::nanoseconds timeout, T* out) {
    std::unique_lock lock(mu_);
    if (!not_empty_.wait_for(lock, timeout, [&] { return closed_ || size_ > 0; }))
      return QueueWait::kTimedOut;
    if (size_ == 0) return QueueWait::kClosed;
    *out = PopLocked();
    lock.unlock();
    not_full_.notify_one();
    return QueueWait::kOk;
  }

  // Blocks until at least one element is queued (or the queue is closed and drained), then takes
  // up to out.size() elements in FIFO order. Returns how many; 0 means closed and drained.
  size_t PopUpTo(std::span<T> out) {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [&] { return closed_ || size_ > 0; });
    size_t n = 0;
    while (n < out.size() && size_ > 0) out[n++] = PopLocked();
    lock.unlock();
    if (n > 0) not_full_.notify_all();
    return n;
  }

  // End of stream. Idempotent; wakes every blocked Push and Pop.
  void Close() {
    {
      std::lock_guard lock(mu_);
      closed_ = true;
    }
    not_full_.notify_all();
    not_empty_.notify_all();
  }

  bool closed() const {
    std::lock_guard lock(mu_);
    return closed_;
  }
  size_t size() const {
    std::lock_guard lock(mu_);
    return size_;
  }
  // Most elements ever queued at once: what a stalled consumer cost in memory.
  size_t high_water_mark() const {
    std::lock_guard lock(mu_);
    return high_water_mark_;
  }

 private:
  void PushLocked(T&& value) {
    size_t tail = head_ + size_;
    if (tail >= slots_.size()) tail -= slots_.size();
    slots_[tail] = std::move(value);
    ++size_;
    if (size_ > high_water_mark_) high_water_mark_ = size_;
  }
  T PopLocked() {
    T value = std::move(slots_[head_]);
    if (++head_ == slots_.size()) head_ = 0;
    --size_;
    return value;
  }

  mutable std::mutex mu_;
  std::condition_variable not_empty_;  // signalled on push and close
  std::condition_variable not_full_;   // signalled on pop and close
  std::vector<T> slots_;               // the ring; sized once so Push/Pop never allocate
  size_t head_ = 0;
  size_t size_ = 0;
  size_t high_water_mark_ = 0;
  bool closed_ = false;
};

}  // namespace segpipe

#endif  // SEGPIPE_PIPELINE_INTERNAL_BOUNDED_QUEUE_H_
