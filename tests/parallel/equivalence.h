#pragma once
// What the multi-rank tests share: the tiny model they train, mpirun around
// the binary, and the tolerance by which a layout equals the sequential run.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "../cli/run_command.h"
#include "../tiny_model.h"
#include "io/safetensors.h"

namespace paratrain::testing {

// -q: mpirun's own epilogue on a non-zero exit would add lines to the output.
inline CommandResult mpirun(int ranks, const std::string& arguments, const std::string& mpi_flags = "-q") {
  return run_command(std::string(PARATRAIN_MPIEXEC) + " --allow-run-as-root --oversubscribe " + mpi_flags +
                     " -np " + std::to_string(ranks) + " " + PARATRAIN_BINARY + " " + arguments);
}

// mpirun with stdout kept apart (cli/run_command.h): for bench's record.
inline SplitResult mpirun_split(int ranks, const std::string& arguments) {
  return run_command_split(std::string(PARATRAIN_MPIEXEC) + " --allow-run-as-root --oversubscribe -q -np " +
                           std::to_string(ranks) + " " + PARATRAIN_BINARY + " " + arguments);
}

// A trained run: its per-step losses and a safetensors file of its weights.
struct TrainedWeights {
  std::vector<double> losses;
  std::string params_path;
};

// Why these tolerances: a layout changes only the order of float sums (the
// data-parallel all-reduce adds the replicas' partial gradients, micro-batches
// accumulate one after another), so gradients differ from the sequential
// run's by float rounding, ~1e-7 relative; the losses then agree to ~1e-6.
// AdamW's first steps move an element by about lr * g / (|g| + eps), which
// for an element whose true gradient is ~0 (e.g. the K rows of qkv.bias) turns
// rounding noise into up to 2 lr a step; every other element agrees to 1e-5.
struct EquivalenceTolerance {
  double loss_relative = 2e-5;    // per-step loss, relative to the reference's
  double weight_absolute = 1e-5;  // all but `fraction_beyond` of the elements lie within this
  double fraction_beyond = 1e-3;
};

inline void expect_equivalent_training(const TrainedWeights& run, const TrainedWeights& reference,
                                       const std::string& name, EquivalenceTolerance tolerance = {}) {
  ASSERT_EQ(run.losses.size(), reference.losses.size()) << name;
  for (size_t step = 0; step < reference.losses.size(); ++step) {
    EXPECT_NEAR(run.losses[step], reference.losses[step], tolerance.loss_relative * reference.losses[step]) << name << " step " << step;
  }
  const SafetensorsFile expected = SafetensorsFile::read(reference.params_path);
  const SafetensorsFile actual = SafetensorsFile::read(run.params_path);
  size_t elements = 0, off = 0;
  double worst = 0;
  for (const auto& tensor : expected.names()) {
    const auto shape = expected.record(tensor).shape;
    const auto want = expected.f32(tensor, shape);
    const auto got = actual.f32(tensor, shape);
    for (size_t idx = 0; idx < want.size(); ++idx) {
      const double diff = std::fabs(double(got[idx]) - want[idx]);
      worst = std::fmax(worst, diff);
      off += diff > tolerance.weight_absolute;
      ++elements;
    }
  }
  EXPECT_GT(elements, 50000u);
  EXPECT_LE(worst, 2 * kTinyLr * double(reference.losses.size())) << name;
  EXPECT_LT(double(off) / elements, tolerance.fraction_beyond) << name << ": " << off << " of " << elements
                                          << " elements differ by > " << tolerance.weight_absolute;
}

// Bit for bit: the same losses and the same weights.
inline void expect_identical_training(const TrainedWeights& run, const TrainedWeights& reference, const std::string& name) {
  ASSERT_EQ(run.losses, reference.losses) << name;
  const SafetensorsFile expected = SafetensorsFile::read(reference.params_path);
  const SafetensorsFile actual = SafetensorsFile::read(run.params_path);
  size_t elements = 0;
  for (const auto& tensor : expected.names()) {
    const auto shape = expected.record(tensor).shape;
    const auto want = expected.f32(tensor, shape);
    const auto got = actual.f32(tensor, shape);
    ASSERT_EQ(want.size(), got.size()) << tensor;
    for (size_t idx = 0; idx < want.size(); ++idx) {
      ASSERT_EQ(std::memcmp(&want[idx], &got[idx], sizeof(float)), 0) << name << " " << tensor << "[" << idx << "]";
    }
    elements += want.size();
  }
  EXPECT_GT(elements, 30000u);  // every weight compared: the tiny model has 38,848 at --ffn-mult 2
}

}  // namespace paratrain::testing
