// paratrain train: train under a layout, a line per step.
#include <cstdio>

#include "cli/commands.h"
#include "cli/common_flags.h"
#include "core/error.h"
#include "core/memory.h"
#include "metrics/timeline.h"
#include "parallel/trainer.h"

namespace paratrain {

namespace {

struct TrainFlags {
  CommonFlags common;
  int steps = 10;
};

int run_train(const TrainFlags& flags) {
  auto data = prepare_run(flags.common);
  if (flags.steps < 1) throw UsageError("--steps must be at least 1");
  const ModelConfig& model = flags.common.train.model;
  MemoryTracker tracker;
  Timeline timeline;
  Trainer trainer(flags.common.train, *data, tracker, timeline);
  std::printf("paratrain train | %s | data %s | %d micro-batch(es)\n", model.to_json().c_str(),
              data->describe().c_str(), trainer.micro_batches());
  const double tokens_per_step = static_cast<double>(model.batch_size) * model.seq_len;
  for (int step_idx = 0; step_idx < flags.steps; ++step_idx) {
    const StepResult result = trainer.train_step();
    const double end = timeline.events().back().end;
    const TimeBreakdown breakdown = timeline.breakdown(end - result.seconds, end);
    std::printf("step %u | loss %.4f | time %.3f s | %.0f tokens/s | utilization %.3f\n",
                result.step, result.loss, result.seconds, tokens_per_step / result.seconds,
                breakdown.utilization());
    std::fflush(stdout);
    timeline.clear();
  }
  return 0;
}

}  // namespace

void register_train_command(CLI::App& app, std::function<int()>& action) {
  auto flags = std::make_shared<TrainFlags>();
  CLI::App* sub = app.add_subcommand("train", "train under a layout, printing loss per step");
  add_model_flags(*sub, flags->common);
  add_run_flags(*sub, flags->common);
  sub->add_option("--steps", flags->steps, "optimizer steps")->capture_default_str();
  sub->callback([flags, &action] { action = [flags] { return run_train(*flags); }; });
}

}  // namespace paratrain
