// The progress feedback's rendering and its terminal switch (a fake terminal: a temporary
// file and an explicit `enabled`). BusyIndicator draws from its own thread: label concurrency.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "segpipe/report/internal/progress.h"

namespace segpipe::report {
namespace {

using ::testing::HasSubstr;

std::string ReadBack(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string text;
  for (int c; (c = std::fgetc(f)) != EOF;) text += static_cast<char>(c);
  return text;
}

TEST(ProgressLineTest, RendersABarOrAMovingBlock) {
  EXPECT_EQ(RenderProgressLine("sweep", 4, 10),
            "sweep                    [############..................]  40% (4/10)");
  EXPECT_EQ(RenderProgressLine("fit", 0, 0, 0, 1.25),
            "fit                      [######........................] 1.2 s");
  // The block moves with the tick and comes back.
  EXPECT_NE(RenderProgressLine("fit", 0, 0, 3, 1), RenderProgressLine("fit", 0, 0, 0, 1));
  EXPECT_EQ(RenderProgressLine("fit", 0, 0, 48, 1), RenderProgressLine("fit", 0, 0, 0, 1));
}

TEST(ProgressLineTest, DrawsOnlyWhenEnabled) {
  std::FILE* on = std::tmpfile();
  std::FILE* off = std::tmpfile();
  {
    ProgressBar bar("models", 2, /*enabled=*/true, on);
    ProgressBar silent("models", 2, /*enabled=*/false, off);
    bar.Advance();
    silent.Advance();
  }
  const std::string drawn = ReadBack(on);
  EXPECT_THAT(drawn, HasSubstr("\rmodels"));
  EXPECT_THAT(drawn, HasSubstr("100% (2/2)\n"));
  EXPECT_EQ(ReadBack(off), "");
  std::fclose(on);
  std::fclose(off);
}

TEST(ProgressLineTest, BusyIndicatorWaitsThenDrawsUntilFinished) {
  std::FILE* f = std::tmpfile();
  {
    BusyIndicator quick("quick", /*enabled=*/true, f, /*delay_ms=*/10'000);
  }  // done before the delay: nothing drawn
  EXPECT_EQ(ReadBack(f), "");
  {
    BusyIndicator busy("busy", /*enabled=*/true, f, /*delay_ms=*/0, /*period_ms=*/5);
    std::this_thread::sleep_for(std::chrono::milliseconds(40));
    busy.Finish();
  }
  const std::string drawn = ReadBack(f);
  EXPECT_THAT(drawn, HasSubstr("\rbusy"));
  EXPECT_THAT(drawn, HasSubstr("done in"));
  EXPECT_EQ(drawn.back(), '\n');
  std::fclose(f);
}

}  // namespace
}  // namespace segpipe::report
