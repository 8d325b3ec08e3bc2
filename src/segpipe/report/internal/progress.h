// Feedback for long operations, drawn on stderr only when stderr is a terminal (logs and pipes
// stay clean) and the caller has not asked for quiet.
//
//   ProgressBar bar("FC sweep", 64);          // known amount of work: a bar with a percentage
//   for (...) { ...; bar.Advance(); }
//   bar.Finish();
//
//   {
//     BusyIndicator busy("calibrating");      // unknown amount of work: a moving bar and the
//     ...                                     // elapsed time, from the first second on
//   }                                         // the destructor ends the line
//
// Both draw their line with the same renderer (RenderProgressLine), one line rewritten in
// place. Lifetime: one per operation; Finish (or the destructor) ends the line. ProgressBar is
// not thread-safe; BusyIndicator draws from its own thread and is used from one thread.
#ifndef SEGPIPE_REPORT_INTERNAL_PROGRESS_H_
#define SEGPIPE_REPORT_INTERNAL_PROGRESS_H_

#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

namespace segpipe::report {

bool StderrIsTerminal();

// One progress line, without the leading "\r": "label  [####......]  40% (4/10)" when `total`
// > 0, else a bar whose block moves with `tick` and the elapsed seconds: "label  [..###...] 3.2 s".
std::string RenderProgressLine(const std::string& label, int64_t done, int64_t total,
                               int64_t tick = 0, double seconds = 0);

class ProgressBar {
 public:
  // `enabled`: draw at all; by default when stderr is a terminal. `out`: where (tests).
  ProgressBar(std::string label, int64_t total, bool enabled = StderrIsTerminal(),
              std::FILE* out = stderr);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void Advance(int64_t steps = 1);
  void Finish();

  static bool StderrIsTerminal() { return report::StderrIsTerminal(); }

 private:
  void Draw();

  std::string label_;
  int64_t total_;
  int64_t done_ = 0;
  bool enabled_;
  std::FILE* out_;
  bool finished_ = false;
  int last_permille_ = -1;  // redraw only when the bar moves, to keep the terminal quiet
};

// For work whose length is not known in steps (a model's calibration, a fit, measuring
// segments): after `delay_ms` (so quick runs print nothing) it redraws its line every
// `period_ms` until Finish or destruction, which ends the line with the total time.
class BusyIndicator {
 public:
  explicit BusyIndicator(std::string label, bool enabled = StderrIsTerminal(),
                         std::FILE* out = stderr, int delay_ms = 1000, int period_ms = 200);
  ~BusyIndicator();
  BusyIndicator(const BusyIndicator&) = delete;
  BusyIndicator& operator=(const BusyIndicator&) = delete;

  void Finish();

 private:
  void Loop();

  std::string label_;
  std::FILE* out_;
  int delay_ms_, period_ms_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace segpipe::report

#endif  // SEGPIPE_REPORT_INTERNAL_PROGRESS_H_
