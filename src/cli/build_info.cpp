#include "cli/build_info.h"

#include "comm/mpi_session.h"
#include "kernels/gemm.h"

#ifndef PARATRAIN_CXX_FLAGS
#define PARATRAIN_CXX_FLAGS "unknown"
#endif

namespace paratrain {

BuildRecord build_info() {
  return {kernels::gemm_library(), MpiSession::library_version(), "none",
          std::string("g++ ") + __VERSION__, PARATRAIN_CXX_FLAGS};
}

}  // namespace paratrain
