#include "metrics/calibration.h"

#include <algorithm>
#include <vector>

#include "core/clock.h"
#include "kernels/gemm.h"
#include "kernels/gemm_bf16.h"

namespace paratrain {

namespace {

using kernels::Trans;

// C (m, n) = op(A) op(B), K the inner size.
struct GemmShape {
  const char* name;
  Trans trans_a, trans_b;
  int m, n, k;
};

// The fastest of `repetitions` timed runs after one warm-up (packing buffers, page faults).
double best_gflops(const GemmShape& shape, Precision precision, int repetitions) {
  const size_t a_count = static_cast<size_t>(shape.m) * shape.k;
  const size_t b_count = static_cast<size_t>(shape.k) * shape.n;
  std::vector<float> a(a_count, 0.5f), b(b_count, 0.25f), c(static_cast<size_t>(shape.m) * shape.n);
  std::vector<kernels::Bf16> a16(a_count, kernels::to_bf16(0.5f)), b16(b_count, kernels::to_bf16(0.25f));
  const int lda = shape.trans_a == Trans::kNo ? shape.k : shape.m;
  const int ldb = shape.trans_b == Trans::kNo ? shape.n : shape.k;
  auto run_once = [&] {
    if (precision == Precision::kBf16) {
      kernels::gemm_bf16(shape.trans_a, shape.trans_b, shape.m, shape.n, shape.k, 1.0f, a16.data(),
                         lda, b16.data(), ldb, 0.0f, c.data(), shape.n);
    } else {
      kernels::gemm(shape.trans_a, shape.trans_b, shape.m, shape.n, shape.k, 1.0f, a.data(), lda,
                    b.data(), ldb, 0.0f, c.data(), shape.n);
    }
  };
  run_once();
  double fastest = 0;
  for (int rep = 0; rep < repetitions; ++rep) {
    const double begin = now_seconds();
    run_once();
    const double seconds = now_seconds() - begin;
    fastest = rep == 0 ? seconds : std::min(fastest, seconds);
  }
  return 2.0 * shape.m * static_cast<double>(shape.n) * shape.k / fastest / 1e9;
}

std::vector<GemmShape> model_shapes(const ModelConfig& model, int rows) {
  const int d = model.d_model, f = model.ffn_width(), v = model.vocab_size;
  std::vector<GemmShape> shapes{{"square 1024^3", Trans::kNo, Trans::kYes, 1024, 1024, 1024}};
  const std::pair<const char*, std::pair<int, int>> linears[] = {
      {"qkv", {d, 3 * d}}, {"proj", {d, d}}, {"fc1", {d, f}}, {"fc2", {f, d}}, {"lm_head", {d, v}}};
  for (const auto& [name, in_out] : linears) {
    const auto [in, out] = in_out;
    shapes.push_back({name, Trans::kNo, Trans::kYes, rows, out, in});   // y = x W^T
    shapes.push_back({name, Trans::kNo, Trans::kNo, rows, in, out});    // dx = dy W
    shapes.push_back({name, Trans::kYes, Trans::kNo, out, in, rows});   // dW = dy^T x
  }
  return shapes;
}

}  // namespace

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

Calibration calibrate_peak(const ModelConfig& model, int rows, int repetitions) {
  const int capped_rows = std::clamp(rows, 1, 4096);
  Calibration best;
  for (const GemmShape& shape : model_shapes(model, capped_rows)) {
    const double gflops = best_gflops(shape, model.precision, repetitions);
    if (gflops <= best.gflops) continue;
    best.gflops = gflops;
    best.source = std::string("calibration ") + precision_name(model.precision) + " gemm, best of " +
                  std::to_string(repetitions) + " runs over 16 shapes: " + shape.name + " " +
                  std::to_string(shape.m) + "x" + std::to_string(shape.n) + "x" +
                  std::to_string(shape.k);
  }
  return best;
}

}  // namespace paratrain
