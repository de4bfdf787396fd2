#include "metrics/stats.h"

#include <algorithm>

namespace paratrain {

Summary summarize(std::vector<double> values) {
  if (values.empty()) return {};
  std::sort(values.begin(), values.end());
  const size_t count = values.size();
  const double median = count % 2 ? values[count / 2]
                                  : 0.5 * (values[count / 2 - 1] + values[count / 2]);
  return {median, values.front(), values.back()};
}

}  // namespace paratrain
