// A one-line progress bar for long sweeps, drawn on stderr only when stderr is a terminal (logs
// and pipes stay clean).
//
//   ProgressBar bar("FC sweep", 64);
//   for (...) { ...; bar.Advance(); }
//   bar.Finish();
//
// Lifetime: one per sweep; Finish (or the destructor) ends the line. Not thread-safe.
#ifndef SEGPIPE_REPORT_PROGRESS_H_
#define SEGPIPE_REPORT_PROGRESS_H_

#include <cstdint>
#include <cstdio>
#include <string>

namespace segpipe::report {

class ProgressBar {
 public:
  // `enabled`: draw at all; by default when stderr is a terminal.
  ProgressBar(std::string label, int64_t total, bool enabled = StderrIsTerminal());
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void Advance(int64_t steps = 1);
  void Finish();

  static bool StderrIsTerminal();

 private:
  void Draw();

  std::string label_;
  int64_t total_;
  int64_t done_ = 0;
  bool enabled_;
  bool finished_ = false;
  int last_permille_ = -1;  // redraw only when the bar moves, to keep the terminal quiet
};

}  // namespace segpipe::report

#endif  // SEGPIPE_REPORT_PROGRESS_H_
