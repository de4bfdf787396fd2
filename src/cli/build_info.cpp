#include "cli/build_info.h"

#include "comm/mpi_session.h"
#include "kernels/gemm.h"
#include "kernels/gemm_bf16.h"

#ifndef PARATRAIN_CXX_FLAGS
#define PARATRAIN_CXX_FLAGS "unknown"
#endif

namespace paratrain {

BuildRecord build_info() {
  return {kernels::gemm_library(), MpiSession::library_version(), "none",
          std::string("g++ ") + __VERSION__, PARATRAIN_CXX_FLAGS};
}

std::string gemm_path(Precision precision) {
  if (precision == Precision::kBf16) return std::string("bf16: ") + kernels::gemm_bf16_path();
  return std::string("fp32: ") + kernels::gemm_library() + " sgemm (" + kernels::gemm_fp32_isa() + ")";
}

}  // namespace paratrain
