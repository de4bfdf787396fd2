#pragma once
// The device's peak for MFU, measured: the GFLOP/s of GEMMs through the same
// library and threads as the training run.
#include <string>

#include "model/config.h"

namespace paratrain {

// One square NT GEMM of `size`, the median of `repetitions` (the old
// calibration, kept for the sweep's banner).
double calibrate_peak_gflops(int size = 1024, int repetitions = 5);

struct Calibration {
  double gflops = 0;
  std::string source;  // for the record: which shape won, in which precision
};

// The best rate over several shapes, each timed `repetitions` times and
// taking its fastest run: a 1024^3 square and the model's own linear GEMMs
// (forward, input gradient and weight gradient of qkv, proj, fc1, fc2 and
// lm_head) with `rows` = tokens of one micro-batch (capped at 4096, where the
// rate has long saturated). Taking the best of every shape the model runs,
// each at its fastest, is what makes MFU <= 1: no model GEMM can run faster
// than the calibration's best, and the model does other work too. Under
// bf16 the GEMMs are the bf16 ones (kernels/gemm_bf16.h).
Calibration calibrate_peak(const ModelConfig& model, int rows, int repetitions = 3);

}  // namespace paratrain
