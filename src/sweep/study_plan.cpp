#include "sweep/study_plan.h"

#include "sweep/plan.h"
#include "sweep/strategy.h"

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
                 {SweepField::kMicroBatch, {1, 2, 4, 8, 16}},
                 {SweepField::kPrecision, {0, 1}},
                 {SweepField::kRecompute, {0, 1, 2}}};
    spec.warmup = 2;
    spec.steps = 5;
    spec.repeats = 3;
  } else {
    spec.grid = {{SweepField::kBatchSize, {8, 16, 32}},
                 {SweepField::kSeqLen, {64, 128, 256}},
                 {SweepField::kNLayers, {2, 4, 8}},
                 {SweepField::kMicroBatch, {1, 2, 4, 8}},
                 // fp32 (the base, reused) against bf16 autocast, and no
                 // recompute (the base) against selective and full, every
                 // strategy (zero-bubble ones skip full recompute: their
                 // split backward keeps what it would drop).
                 {SweepField::kPrecision, {0, 1}},
                 {SweepField::kRecompute, {0, 1, 2}}};
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

std::vector<SweepPoint> study_host_points(int ranks, int repeats, int hosts,
                                          const std::vector<std::string>& link_rates) {
  if (hosts <= 1) return {};
  SweepSpec spec = study_spec(false, ranks, repeats);
  spec.grid.clear();  // the link rate is this section's axis
  const std::string n = std::to_string(ranks);
  spec.strategies = {parse_strategy("dp" + n), parse_strategy("pp" + n + "-1f1b")};
  if (spec.base.n_heads % ranks == 0) spec.strategies.push_back(parse_strategy("tp" + n));
  if (ranks == 2) spec.strategies.push_back(parse_strategy("dp2xtp2"));
  HostSweepSpec host_spec;
  host_spec.hosts = hosts;
  host_spec.link_rates = link_rates;
  host_spec.placements = {RankPlacement::kPacked, RankPlacement::kSpread};
  check_host_sweep(host_spec);
  return spread_over_hosts(plan_sweep(spec), host_spec);
}

std::vector<std::string> study_default_link_rates() { return {"100mbit", "1gbit", "unshaped"}; }

}  // namespace paratrain
