#pragma once
#include <vector>

namespace paratrain {

struct Summary {
  double median = 0, min = 0, max = 0;
  bool operator==(const Summary&) const = default;
};

Summary summarize(std::vector<double> values);  // all zero for no values

}  // namespace paratrain
