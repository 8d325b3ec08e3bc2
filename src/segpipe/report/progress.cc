// Terminal progress bar.
#include "segpipe/report/progress.h"

#include <unistd.h>

#include <algorithm>

namespace segpipe::report {

ProgressBar::ProgressBar(std::string label, int64_t total, bool enabled)
    : label_(std::move(label)), total_(std::max<int64_t>(1, total)), enabled_(enabled) {
  Draw();
}

ProgressBar::~ProgressBar() { Finish(); }

bool ProgressBar::StderrIsTerminal() { return isatty(STDERR_FILENO) == 1; }

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
  std::fputc('\n', stderr);
}

void ProgressBar::Draw() {
  if (!enabled_) return;
  const int permille = static_cast<int>(1000 * done_ / total_);
  if (permille == last_permille_) return;
  last_permille_ = permille;
  constexpr int kWidth = 30;
  const int filled = kWidth * permille / 1000;
  std::fprintf(stderr, "\r%-24s [%s%s] %3d%% (%lld/%lld)", label_.c_str(),
               std::string(filled, '#').c_str(), std::string(kWidth - filled, '.').c_str(),
               permille / 10, static_cast<long long>(done_), static_cast<long long>(total_));
  std::fflush(stderr);
}

}  // namespace segpipe::report
