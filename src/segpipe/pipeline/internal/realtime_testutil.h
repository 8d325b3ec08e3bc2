// A test fixture for tests that time paced runs against the wall clock: where permitted the
// test's threads (and the stage threads they start, which inherit it) run under SCHED_FIFO, so
// that compilers sharing the machine do not delay paced wake-ups by milliseconds; otherwise the
// test runs as it is and says so.
#ifndef SEGPIPE_PIPELINE_INTERNAL_REALTIME_TESTUTIL_H_
#define SEGPIPE_PIPELINE_INTERNAL_REALTIME_TESTUTIL_H_

#include <gtest/gtest.h>
#include <sched.h>

#include <cstdio>

namespace segpipe::testing {

class RealtimeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sched_param param{};
    param.sched_priority = 10;
    realtime_ = sched_setscheduler(0, SCHED_FIFO, &param) == 0;
    std::printf("timing under %s scheduling\n", realtime_ ? "SCHED_FIFO" : "normal");
  }
  static void TearDownTestSuite() {
    sched_param param{};
    if (realtime_) sched_setscheduler(0, SCHED_OTHER, &param);
  }
  static inline bool realtime_ = false;
};

}  // namespace segpipe::testing

#endif  // SEGPIPE_PIPELINE_INTERNAL_REALTIME_TESTUTIL_H_
