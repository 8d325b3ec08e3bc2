#include "segpipe/core/internal/statistics.h"

#include <algorithm>

namespace segpipe {

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  const size_t n = values.size();
  const auto middle = values.begin() + static_cast<std::ptrdiff_t>(n / 2);
  std::nth_element(values.begin(), middle, values.end());
  if (n % 2 == 1) return *middle;
  const double upper = *middle;
  const double lower = *std::max_element(values.begin(), middle);
  return 0.5 * (lower + upper);
}

}  // namespace segpipe
