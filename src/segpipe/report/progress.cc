// Terminal progress feedback.
#include "segpipe/report/internal/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

namespace segpipe::report {
namespace {

constexpr int kWidth = 30;

}  // namespace

bool StderrIsTerminal() { return isatty(STDERR_FILENO) == 1; }

std::string RenderProgressLine(const std::string& label, int64_t done, int64_t total, int64_t tick,
                               double seconds) {
  if (total > 0) {
    done = std::clamp<int64_t>(done, 0, total);
    const int permille = static_cast<int>(1000 * done / total);
    const int filled = kWidth * permille / 1000;
    return fmt::format("{:<24} [{}{}] {:>3}% ({}/{})", label, std::string(filled, '#'),
                       std::string(kWidth - filled, '.'), permille / 10, done, total);
  }
  // A block of 6 that bounces between the ends, so the line shows the work is alive.
  constexpr int kBlock = 6, kTravel = kWidth - kBlock;
  const int phase = static_cast<int>(tick % (2 * kTravel));
  const int at = phase <= kTravel ? phase : 2 * kTravel - phase;
  return fmt::format("{:<24} [{}{}{}] {:.1f} s", label, std::string(at, '.'),
                     std::string(kBlock, '#'), std::string(kTravel - at, '.'), seconds);
}

ProgressBar::ProgressBar(std::string label, int64_t total, bool enabled, std::FILE* out)
    : label_(std::move(label)), total_(std::max<int64_t>(1, total)), enabled_(enabled), out_(out) {
  Draw();
}

ProgressBar::~ProgressBar() { Finish(); }

void ProgressBar::Advance(int64_t steps) {
  done_ = std::min(total_, done_ + steps);
  Draw();
}

void ProgressBar::Finish() {
  if (finished_) return;
  finished_ = true;
  if (!enabled_) return;
  done_ = total_;
  last_permille_ = -1;
  Draw();
  std::fputc('\n', out_);
  std::fflush(out_);
}

void ProgressBar::Draw() {
  if (!enabled_) return;
  const int permille = static_cast<int>(1000 * done_ / total_);
  if (permille == last_permille_) return;
  last_permille_ = permille;
  std::fprintf(out_, "\r%s", RenderProgressLine(label_, done_, total_).c_str());
  std::fflush(out_);
}

BusyIndicator::BusyIndicator(std::string label, bool enabled, std::FILE* out, int delay_ms,
                             int period_ms)
    : label_(std::move(label)), out_(out), delay_ms_(delay_ms), period_ms_(period_ms) {
  if (enabled) thread_ = std::thread([this] { Loop(); });
}

BusyIndicator::~BusyIndicator() { Finish(); }

void BusyIndicator::Finish() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void BusyIndicator::Loop() {
  const auto start = std::chrono::steady_clock::now();
  const auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  std::unique_lock<std::mutex> lock(mu_);
  if (cv_.wait_for(lock, std::chrono::milliseconds(delay_ms_), [this] { return stop_; })) return;
  for (int64_t tick = 0;; ++tick) {
    std::fprintf(out_, "\r%s", RenderProgressLine(label_, 0, 0, tick, seconds()).c_str());
    std::fflush(out_);
    if (cv_.wait_for(lock, std::chrono::milliseconds(period_ms_), [this] { return stop_; })) break;
  }
  std::fprintf(out_, "\r%s\n", fmt::format("{:<24} done in {:.1f} s", label_, seconds()).c_str());
  std::fflush(out_);
}

}  // namespace segpipe::report
