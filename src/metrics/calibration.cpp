#include "metrics/calibration.h"

#include <algorithm>
#include <vector>

#include "core/clock.h"
#include "kernels/gemm.h"

namespace paratrain {

double calibrate_peak_gflops(int size, int repetitions) {
  const size_t count = static_cast<size_t>(size) * size;
  std::vector<float> a(count, 0.5f), b(count, 0.25f), c(count, 0.0f);
  auto run_once = [&] {
    kernels::gemm(kernels::Trans::kNo, kernels::Trans::kYes, size, size, size, 1.0f, a.data(), size,
                  b.data(), size, 0.0f, c.data(), size);
  };
  run_once();  // warm-up: packing buffers, page faults
  std::vector<double> seconds;
  for (int rep = 0; rep < repetitions; ++rep) {
    const double begin = now_seconds();
    run_once();
    seconds.push_back(now_seconds() - begin);
  }
  std::sort(seconds.begin(), seconds.end());
  const double median = seconds[seconds.size() / 2];
  return 2.0 * size * static_cast<double>(size) * size / median / 1e9;
}

}  // namespace paratrain
