// OpenBLAS or BLIS through the CBLAS interface (both export cblas_sgemm).
// CMake puts the chosen library's own include folder first, so <cblas.h> is its header.
#include <cblas.h>
#if defined(PARATRAIN_GEMM_BLIS)
#include <blis.h>
#endif

#include <string>

#include "kernels/gemm.h"

namespace paratrain::kernels {

void gemm(Trans trans_a, Trans trans_b, int m, int n, int k, float alpha, const float* a, int lda,
          const float* b, int ldb, float beta, float* c, int ldc) {
  cblas_sgemm(CblasRowMajor, trans_a == Trans::kYes ? CblasTrans : CblasNoTrans,
              trans_b == Trans::kYes ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb,
              beta, c, ldc);
}

#if defined(PARATRAIN_GEMM_BLIS)
const char* gemm_library() {
  static const std::string name = std::string("BLIS ") + bli_info_get_version_str();
  return name.c_str();
}
void gemm_set_threads(int threads) { bli_thread_set_num_threads(threads); }
#else
const char* gemm_library() {
  static const std::string name = std::string("OpenBLAS ") + openblas_get_config();
  return name.c_str();
}
void gemm_set_threads(int threads) { openblas_set_num_threads(threads); }
#endif

}  // namespace paratrain::kernels
