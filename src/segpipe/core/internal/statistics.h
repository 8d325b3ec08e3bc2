// Summary statistics shared by every report and profiler, so that a figure such as "median
// error" means the same thing wherever segpipe prints it.
#ifndef SEGPIPE_CORE_INTERNAL_STATISTICS_H_
#define SEGPIPE_CORE_INTERNAL_STATISTICS_H_

#include <vector>

namespace segpipe {

// The median of `values`: the middle value, or the mean of the two middle values of an even
// count; 0 for no values.
double Median(std::vector<double> values);

}  // namespace segpipe

#endif  // SEGPIPE_CORE_INTERNAL_STATISTICS_H_
