#include "cli/build_info.h"

#include "comm/mpi_session.h"
#include "kernels/gemm.h"

#ifndef PARATRAIN_CXX_FLAGS
#define PARATRAIN_CXX_FLAGS "unknown"
#endif

namespace paratrain {

nlohmann::json build_info() {
  return {{"blas", kernels::gemm_library()},
          {"mpi", MpiSession::library_version()},
          {"cuda", "none"},
          {"compiler", std::string("g++ ") + __VERSION__},
          {"flags", PARATRAIN_CXX_FLAGS}};
}

}  // namespace paratrain
