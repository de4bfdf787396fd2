// paratrain train: train under a layout, one line per step from rank 0.
#include <cstdio>

#include "cli/command.h"
#include "cli/common_flags.h"
#include "cli/fault_injection.h"
#include "cli/run_output.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/memory.h"
#include "io/output_file.h"
#include "metrics/timeline.h"
#include "parallel/trainer.h"

namespace paratrain {

namespace {

class TrainCommand : public Command {
 public:
  explicit TrainCommand(CLI::App& sub) {
    add_run_flags(sub, flags_);
    sub.add_option("--steps", steps_, "optimizer steps")->capture_default_str();
    sub.add_option("--trace", trace_path_, "write a Chrome trace of every rank here");
    sub.add_option("--save-params", params_path_, "write the final parameters (safetensors) here");
  }

  void prepare(int world_size) override {
    data_ = prepare_run(flags_, world_size);
    if (steps_ < 1) throw UsageError("--steps must be at least 1");
    // Before training: an unusable output path must not cost the trained parameters.
    if (!trace_path_.empty()) check_output_path(trace_path_, "--trace");
    if (!params_path_.empty()) check_output_path(params_path_, "--save-params");
  }

  int run(const Communicator& world) override {
    const ModelConfig& model = flags_.train.model;
    const Layout& layout = flags_.layout.layout;
    ProcessGrid grid(layout.grid, world);
    MemoryTracker tracker;
    Timeline timeline;
    Trainer trainer(flags_.train, layout, grid, *data_, tracker, timeline);
    const bool speaks = world.rank() == 0;
    if (speaks) {
      std::printf("paratrain train | %s | layout %s | data %s | %d micro-batch(es) per replica\n",
                  model.to_json().c_str(), layout.to_json().c_str(), data_->describe().c_str(),
                  layout.micro_batches(model));
    }
    world.barrier();
    const double origin = now_seconds();
    const double tokens_per_step = static_cast<double>(model.batch_size) * model.seq_len;
    for (int step_idx = 0; step_idx < steps_; ++step_idx) {
      maybe_inject_fault(world.rank(), trainer.next_step());
      const double begin = now_seconds();
      const StepResult result = trainer.train_step();
      // The step's time is the slowest rank's; utilization the ranks' mean.
      double seconds = result.seconds;
      double utilization = timeline.breakdown(begin, now_seconds()).utilization() / world.size();
      // Keep the events only for a trace: a long run must not grow without bound.
      if (trace_path_.empty()) timeline.clear();
      world.all_reduce_max(&seconds, 1);
      world.all_reduce_sum(&utilization, 1);
      if (speaks) {
        std::printf("step %u | loss %.4f | time %.3f s | %.0f tokens/s | utilization %.3f\n",
                    result.step, result.loss, seconds, tokens_per_step / seconds, utilization);
        std::fflush(stdout);
      }
    }
    if (!trace_path_.empty()) write_run_trace(trace_path_, grid, timeline, origin);
    if (!params_path_.empty()) trainer.save_parameters(params_path_);
    return 0;
  }

 private:
  CommonFlags flags_;
  int steps_ = 10;
  std::string trace_path_, params_path_;
  std::unique_ptr<TokenSource> data_;
};

}  // namespace

void register_train_command(CLI::App& app, std::unique_ptr<Command>& chosen) {
  CLI::App* sub = app.add_subcommand("train", "train under a layout, printing loss per step");
  auto command = std::make_shared<std::unique_ptr<Command>>(std::make_unique<TrainCommand>(*sub));
  sub->callback([command, &chosen] { chosen = std::move(*command); });
}

}  // namespace paratrain
