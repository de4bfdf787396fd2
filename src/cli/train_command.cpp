// paratrain train: train under a layout, one line per step from rank 0.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "cli/command.h"
#include "cli/common_flags.h"
#include "cli/fault_injection.h"
#include "cli/memory_refusal.h"
#include "cli/run_output.h"
#include "cli/run_setup.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/memory.h"
#include "io/output_file.h"
#include "metrics/timeline.h"
#include "io/checkpoint_store.h"
#include "parallel/checkpoint.h"
#include "parallel/memory_plan.h"
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
    sub.add_option("--checkpoint", checkpoint_dir_,
                   "write checkpoints (DIR/step-NNNNNN) here: every --checkpoint-every steps and at the end");
    sub.add_option("--checkpoint-every", checkpoint_every_, "steps between checkpoints (0: only at the end)")
        ->capture_default_str();
    sub.add_option("--keep", keep_, "checkpoints kept in --checkpoint DIR")->capture_default_str();
    sub.add_option("--resume", resume_dir_,
                   "continue from the newest whole checkpoint in DIR (or from the checkpoint folder DIR), "
                   "under any layout; --steps counts from step 0");
  }

  void prepare(int world_size) override {
    data_ = prepare_run(flags_, world_size);
    if (steps_ < 1) throw UsageError("--steps must be at least 1");
    // Before training: an unusable output path must not cost the trained parameters.
    if (!trace_path_.empty()) check_output_path(trace_path_, "--trace");
    if (!params_path_.empty()) check_output_path(params_path_, "--save-params");
    prepare_checkpoints();
  }

  int run(const Communicator& world) override {
    const ModelConfig& model = flags_.train.model;
    Layout layout = flags_.layout.layout;  // the partition is settled below
    ProcessGrid grid(layout.grid, world);
    MemoryTracker tracker;
    Timeline timeline;
    const bool speaks = world.rank() == 0;
    if (speaks) announce_precision(model);
    // Before any allocation: a run that cannot fit is refused, not OOM-killed.
    const MemoryCheck memory = settle_run(flags_, grid, *data_, layout);
    if (memory.refusal) {
      if (speaks) print_memory_refusal(*memory.refusal, flags_.train, world.size());
      return 2;
    }
    Trainer trainer(flags_.train, layout, grid, *data_, tracker, timeline);
    if (resume_contents_) {
      load_checkpoint(trainer, *resume_contents_);
      resume_contents_.reset();  // the full arrays are not needed any more
      if (speaks) {
        for (const auto& warning : resume_.warnings) std::fprintf(stderr, "paratrain: warning: %s\n", warning.c_str());
        std::printf("resumed from %s at step %u\n", resume_.folder.c_str(), trainer.next_step());
      }
    }
    if (speaks) {
      std::printf("paratrain train | %s | layout %s | data %s | %d micro-batch(es) per replica\n",
                  model.to_json().c_str(), layout.to_json().c_str(), data_->describe().c_str(),
                  layout.micro_batches(model));
    }
    world.barrier();
    const double origin = now_seconds();
    const double tokens_per_step = static_cast<double>(model.batch_size) * model.seq_len;
    while (trainer.next_step() < static_cast<uint32_t>(steps_)) {
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
      if (checkpoint_due(trainer.next_step())) {
        save_checkpoint(trainer, data_->describe(), checkpoint_dir_, keep_);
      }
    }
    report_memory(world, memory.plan, tracker);
    if (!trace_path_.empty()) write_run_trace(trace_path_, grid, timeline, origin);
    if (!params_path_.empty()) trainer.save_parameters(params_path_);
    return 0;
  }

 private:
  void prepare_checkpoints() {
    if (checkpoint_every_ < 0) throw UsageError("--checkpoint-every must be 0 or more");
    if (keep_ < 1) throw UsageError("--keep must be at least 1");
    if (checkpoint_every_ > 0 && checkpoint_dir_.empty()) {
      throw UsageError("--checkpoint-every needs --checkpoint DIR");
    }
    if (!checkpoint_dir_.empty()) {
      std::error_code error;
      if (std::filesystem::exists(checkpoint_dir_, error) && !std::filesystem::is_directory(checkpoint_dir_, error)) {
        throw UsageError("--checkpoint: " + checkpoint_dir_ + " exists and is not a folder");
      }
      check_output_path(checkpoint_dir_ + "/step-write-check", "--checkpoint", MissingFolder::kWillBeCreated);
    }
    if (resume_dir_.empty()) return;
    resume_ = choose_checkpoint(resume_dir_);
    check_checkpoint_matches(resume_.manifest, flags_.train, data_->describe());
    resume_contents_ = read_checkpoint(resume_.folder, resume_.manifest, flags_.train.model);
  }

  // The plan must be the runtime's allocation list: rank 0 says both, and the
  // largest difference over the ranks.
  static void report_memory(const Communicator& world, const MemoryPlan& plan, const MemoryTracker& tracker) {
    double mismatch = std::abs(static_cast<double>(plan.total_bytes) - static_cast<double>(tracker.peak_total()));
    world.all_reduce_max(&mismatch, 1);
    if (world.rank() != 0) return;
    std::printf("memory | planned %zu bytes | tracked peak %zu bytes | largest plan error over ranks %.0f bytes\n",
                plan.total_bytes, tracker.peak_total(), mismatch);
  }

  bool checkpoint_due(uint32_t done) const {
    if (checkpoint_dir_.empty()) return false;
    return done == static_cast<uint32_t>(steps_) || (checkpoint_every_ > 0 && done % checkpoint_every_ == 0);
  }

  CommonFlags flags_;
  int steps_ = 10;
  std::string trace_path_, params_path_;
  std::string checkpoint_dir_, resume_dir_;
  int checkpoint_every_ = 0;
  int keep_ = 2;
  ChosenCheckpoint resume_;
  std::optional<CheckpointContents> resume_contents_;  // read and checked in prepare()
  std::unique_ptr<TokenSource> data_;
};

}  // namespace

void register_train_command(CLI::App& app, std::unique_ptr<Command>& chosen) {
  CLI::App* sub = app.add_subcommand("train", "train under a layout, printing loss per step");
  auto command = std::make_shared<std::unique_ptr<Command>>(std::make_unique<TrainCommand>(*sub));
  sub->callback([command, &chosen] { chosen = std::move(*command); });
}

}  // namespace paratrain
