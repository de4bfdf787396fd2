#pragma once
// The device's peak for MFU, measured: the GFLOP/s of a large square GEMM
// through the same library and threads as the training run.

namespace paratrain {

double calibrate_peak_gflops(int size = 1024, int repetitions = 5);

}  // namespace paratrain
