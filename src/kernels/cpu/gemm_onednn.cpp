#include <dnnl.h>
#include <omp.h>

#include <string>

#include "core/error.h"
#include "kernels/gemm.h"

namespace paratrain::kernels {

void gemm(Trans trans_a, Trans trans_b, int m, int n, int k, float alpha, const float* a, int lda,
          const float* b, int ldb, float beta, float* c, int ldc) {
  const dnnl_status_t status =
      dnnl_sgemm(trans_a == Trans::kYes ? 'T' : 'N', trans_b == Trans::kYes ? 'T' : 'N', m, n, k,
                 alpha, a, lda, b, ldb, beta, c, ldc);
  PT_CHECK(status == dnnl_success, "dnnl_sgemm failed with status " + std::to_string(status));
}

const char* gemm_library() {
  static const std::string name = [] {
    const dnnl_version_t* version = dnnl_version();
    return "oneDNN " + std::to_string(version->major) + "." + std::to_string(version->minor) + "." +
           std::to_string(version->patch);
  }();
  return name.c_str();
}

// Debian's oneDNN runs on OpenMP, so the OpenMP thread count is its limit.
void gemm_set_threads(int threads) { omp_set_num_threads(threads); }

}  // namespace paratrain::kernels
