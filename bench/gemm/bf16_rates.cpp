// Single-thread GEMM rates, fp32 against bf16, on the model's linear shapes
// through paratrain's own GEMM library (kernels/gemm.h, kernels/gemm_bf16.h),
// plus oneDNN's bf16 matmul as it dispatches on this CPU (its reference
// loops where it has no bf16 kernel) on one small shape.
// Build (from the repository root, after the main build), one line:
//   g++ -O3 -march=native -std=c++20 -fopenmp -Isrc bench/gemm/bf16_rates.cpp build/libparatrain_gemm.a build/libparatrain_core.a -ldnnl -o build/bf16_rates
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <dnnl.hpp>
#include <vector>

#include "kernels/gemm_bf16.h"

using namespace paratrain::kernels;

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

template <typename Run>
double best_gflops(int m, int n, int k, Run run, int reps = 5) {
  run();
  double best = 1e30;
  for (int rep = 0; rep < reps; ++rep) {
    const double begin = now();
    run();
    best = std::min(best, now() - begin);
  }
  return 2.0 * m * n * static_cast<double>(k) / best / 1e9;
}

void shape(const char* name, Trans ta, Trans tb, int m, int n, int k) {
  std::vector<float> a(static_cast<size_t>(m) * k, 0.5f), b(static_cast<size_t>(k) * n, 0.25f),
      c(static_cast<size_t>(m) * n);
  std::vector<Bf16> a16(a.size(), to_bf16(0.5f)), b16(b.size(), to_bf16(0.25f));
  const int lda = ta == Trans::kNo ? k : m, ldb = tb == Trans::kNo ? n : k;
  const double fp32 = best_gflops(m, n, k, [&] {
    gemm(ta, tb, m, n, k, 1.0f, a.data(), lda, b.data(), ldb, 0.0f, c.data(), n);
  });
  const double bf16 = best_gflops(m, n, k, [&] {
    gemm_bf16(ta, tb, m, n, k, 1.0f, a16.data(), lda, b16.data(), ldb, 0.0f, c.data(), n);
  });
  std::printf("| %s | %dx%dx%d | %.1f | %.1f | %.2f |\n", name, m, n, k, fp32, bf16, bf16 / fp32);
}

// oneDNN's own bf16 matmul, whatever implementation it picks (ref allowed).
void onednn_bf16_any(int size) {
  using dnnl::memory;
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  const memory::desc a({size, size}, memory::data_type::bf16, memory::format_tag::ab);
  const memory::desc c({size, size}, memory::data_type::f32, memory::format_tag::ab);
  try {
    const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a, a, c), engine);
    dnnl::matmul matmul(pd);
    memory am(a, engine), bm(a, engine), cm(c, engine);
    const double gflops = best_gflops(size, size, size, [&] {
      matmul.execute(stream, {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}});
      stream.wait();
    }, 2);
    std::printf("oneDNN bf16 matmul as dispatched here (%s), %d^3: %.2f GFLOP/s\n", pd.impl_info_str(), size, gflops);
  } catch (const dnnl::error& error) {
    std::printf("oneDNN bf16 matmul: none for this CPU (%s)\n", error.what());
  }
}

}  // namespace

int main() {
  omp_set_num_threads(1);
  std::printf("bf16 path: %s; fp32 ISA: %s\n\n", gemm_bf16_path(), gemm_fp32_isa());
  std::printf("| GEMM | m x n x k | fp32 GFLOP/s | bf16 GFLOP/s | bf16/fp32 |\n|---|---|---|---|---|\n");
  struct Model { const char* name; int rows, d, f, v; };
  for (const Model& model : {Model{"cpu-small", 16 * 128, 256, 1024, 1000}, Model{"seed", 32 * 256, 512, 2048, 1000}}) {
    std::printf("| **%s** | | | | |\n", model.name);
    shape("qkv fwd", Trans::kNo, Trans::kYes, model.rows, 3 * model.d, model.d);
    shape("fc1 fwd", Trans::kNo, Trans::kYes, model.rows, model.f, model.d);
    shape("fc2 fwd", Trans::kNo, Trans::kYes, model.rows, model.d, model.f);
    shape("fc1 dx", Trans::kNo, Trans::kNo, model.rows, model.d, model.f);
    shape("fc1 dW", Trans::kYes, Trans::kNo, model.f, model.d, model.rows);
    shape("lm_head fwd", Trans::kNo, Trans::kYes, model.rows, model.v, model.d);
  }
  shape("square", Trans::kNo, Trans::kYes, 1024, 1024, 1024);
  std::printf("\n");
  onednn_bf16_any(256);
  return 0;
}
