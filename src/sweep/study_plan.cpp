#include "sweep/study_plan.h"

namespace paratrain {

namespace {

ModelConfig study_base(bool full) {
  ModelConfig model;  // V=1000 H=8 F=4 dropout 0.1 either way
  model.seq_len = full ? 256 : 128;
  model.d_model = full ? 512 : 256;
  model.n_layers = full ? 12 : 4;
  model.batch_size = full ? 32 : 16;
  return model;
}

}  // namespace

SweepSpec study_spec(bool full, int ranks, int repeats) {
  SweepSpec spec;
  spec.base = study_base(full);
  spec.base_micro_batch = 2;
  if (full) {
    spec.grid = {{SweepField::kBatchSize, {8, 16, 32, 64}},
                 {SweepField::kSeqLen, {64, 128, 256, 512}},
                 {SweepField::kNLayers, {4, 8, 12, 16, 24}},
                 {SweepField::kMicroBatch, {1, 2, 4, 8, 16}}};
    spec.warmup = 2;
    spec.steps = 5;
    spec.repeats = 3;
  } else {
    spec.grid = {{SweepField::kBatchSize, {8, 16, 32}},
                 {SweepField::kSeqLen, {64, 128, 256}},
                 {SweepField::kNLayers, {2, 4, 8}},
                 {SweepField::kMicroBatch, {1, 2, 4, 8}}};
    // Three repeats of 3 measured steps rather than one run of 5: the
    // spread between jobs is what decides a winner, and a job's steps
    // spread less than jobs do. One warm-up step pays the first touches.
    spec.warmup = 1;
    spec.steps = 3;
    spec.repeats = 3;
  }
  if (repeats > 0) spec.repeats = repeats;
  spec.strategies = default_strategies(ranks, spec.base.n_layers, spec.base.n_heads);
  // The zero-bubble schedules beside 1F1B (issue 11): the study measures their
  // bubble against 1F1B's at each micro-batch size.
  if (ranks >= 2) {
    for (const char* schedule : {"zb-h1", "zb-h2"}) {
      spec.strategies.push_back(parse_strategy("pp" + std::to_string(ranks) + "-" + schedule));
    }
  }
  return spec;
}

}  // namespace paratrain
