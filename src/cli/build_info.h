#pragma once
// The resolved build, printed in every run's record.
#include <string>

#include "record/run_record.h"

namespace paratrain {

BuildRecord build_info();
// The GEMM path a run of this precision takes: for bf16 the bf16 GEMM's path
// (oneDNN's implementation name, or emulated); for fp32 the library's sgemm.
std::string gemm_path(Precision precision);

}  // namespace paratrain
