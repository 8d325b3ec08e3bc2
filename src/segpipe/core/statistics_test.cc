#include "segpipe/core/internal/statistics.h"

#include <gtest/gtest.h>

namespace segpipe {
namespace {

TEST(MedianTest, OddEvenAndEmpty) {
  EXPECT_EQ(Median({}), 0);
  EXPECT_EQ(Median({3}), 3);
  EXPECT_EQ(Median({5, 1, 3}), 3);
  EXPECT_EQ(Median({4, 1, 3, 2}), 2.5);  // mean of the two middle values
  EXPECT_EQ(Median({2, 2, 1, 9}), 2);
}

}  // namespace
}  // namespace segpipe
