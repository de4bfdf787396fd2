// paratrain verify: forward, backward and one AdamW step against a PyTorch
// reference file (shared/reference/*.safetensors), under any layout. Exit 0:
// all within tolerance; 1: some value is not; 2: the file cannot be used, or
// the layout cannot split the file's batch.
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

#include "cli/command.h"
#include "cli/common_flags.h"
#include "cli/run_output.h"
#include "core/error.h"
#include "core/json_fields.h"
#include "core/memory.h"
#include "io/json_number.h"
#include "io/safetensors.h"
#include "io/token_source.h"
#include "kernels/gemm.h"
#include "metrics/bf16_tolerance.h"
#include "metrics/timeline.h"
#include "metrics/tolerance.h"
#include "parallel/trainer.h"

namespace paratrain {

namespace {

nlohmann::json metadata_json(const SafetensorsFile& file, const std::string& key) {
  auto it = file.metadata().find(key);
  if (it == file.metadata().end()) throw UsageError(key + " missing from the file's __metadata__");
  try {
    return nlohmann::json::parse(it->second);
  } catch (const nlohmann::json::exception&) {
    throw UsageError("__metadata__." + key + " is not JSON");
  }
}

template <typename T>
T field(const nlohmann::json& object, const std::string& group, const std::string& name) {
  if (!object.contains(name) || !object[name].is_number()) {
    throw UsageError("__metadata__." + group + " lacks the number " + name);
  }
  return strict_json_number<T>(object[name], "__metadata__." + group + "." + name);
}

// A tolerance or hyper-parameter that must be > 0: a negative one would make
// error/allowed negative and let anything pass.
double positive_field(const nlohmann::json& object, const std::string& group, const std::string& name) {
  const double value = field<double>(object, group, name);
  if (!(value > 0)) {
    throw UsageError("__metadata__." + group + "." + name + " must be positive (got " +
                     std::to_string(value) + ")");
  }
  return value;
}

ModelConfig config_from(const nlohmann::json& config) {
  ModelConfig model;
  try {
    model = ModelConfig::from_json(config);
  } catch (const JsonFieldError& error) {
    throw UsageError(std::string("__metadata__.") + error.within("config").what());
  }
  try {
    model.validate();
  } catch (const UsageError& error) {  // the file's value, not a flag the user passed
    throw UsageError(std::string("__metadata__.config: ") + error.what());
  }
  return model;
}

Tolerance tolerance_of(const nlohmann::json& tolerances, const std::string& group) {
  if (!tolerances.contains(group)) throw UsageError("__metadata__.tolerance lacks " + group);
  return {positive_field(tolerances[group], group, "rtol"), positive_field(tolerances[group], group, "atol")};
}

class VerifyCommand : public Command {
 public:
  explicit VerifyCommand(CLI::App& sub) {
    sub.add_option("--reference", reference_, "reference .safetensors file")->required();
    sub.add_option("--threads", threads_, "BLAS threads of this rank")->capture_default_str();
    add_numerics_flags(sub, numerics_);
    add_layout_flags(sub, layout_flags_);
  }

  void prepare(int world_size) override;
  int run(const Communicator& world) override;

 private:
  // Compares this rank's logits, gradients and (after the step) parameters.
  void check_forward_backward(Trainer& trainer, float loss, const std::vector<float>& logits);
  void check_step(Trainer& trainer);
  // This rank's part of the file's tensor prefix + spec.name.
  std::vector<float> shard_of(const std::string& prefix, const ParameterSpec& spec) const;
  int report(const Communicator& world);
  // The file's tolerance of `group`, widened under bf16 (metrics/bf16_tolerance.h)
  // by `rounded_matmuls` x 2u x the RMS of the full reference tensor `name`.
  Tolerance tolerance_for(const std::string& group, int rounded_matmuls, const std::string& name,
                          const std::vector<int64_t>& shape) const;
  bool bf16() const { return options_.model.precision == Precision::kBf16; }

  std::string reference_;
  ModelConfig numerics_;  // only --precision and --recompute are read from it
  int threads_ = 1;
  LayoutFlags layout_flags_;
  std::unique_ptr<SafetensorsFile> file_;
  TrainOptions options_;
  nlohmann::json tolerances_;
  std::unique_ptr<FixedTokens> data_;
  std::vector<ToleranceCheck> checks_ = {ToleranceCheck("loss"), ToleranceCheck("logits"),
                                         ToleranceCheck("grad"), ToleranceCheck("step1")};
};

void VerifyCommand::prepare(int world_size) {
  check_threads(threads_);
  kernels::gemm_set_threads(threads_);
  file_ = std::make_unique<SafetensorsFile>(SafetensorsFile::read(reference_));
  options_.model = config_from(metadata_json(*file_, "config"));
  options_.model.precision = numerics_.precision;
  options_.model.recompute = numerics_.recompute;
  const nlohmann::json adamw = metadata_json(*file_, "adamw");
  options_.adamw = {field<float>(adamw, "adamw", "lr"), field<float>(adamw, "adamw", "b1"),
                    field<float>(adamw, "adamw", "b2"), field<float>(adamw, "adamw", "eps"),
                    field<float>(adamw, "adamw", "wd")};
  tolerances_ = metadata_json(*file_, "tolerance");
  for (const char* group : {"loss", "logits", "grad", "step1"}) tolerance_of(tolerances_, group);
  positive_field(tolerances_.at("step1"), "step1", "loose_where_abs_grad_below");
  positive_field(tolerances_.at("step1"), "step1", "loose_atol");
  positive_field(adamw, "adamw", "lr");
  resolve_layout(layout_flags_, options_.model, world_size);  // refuses a batch it cannot split
  if (layout_flags_.layout.zero != ZeroStage::kNone) {
    throw UsageError("verify does not take --zero: ZeRO-1 leaves each rank only its shard of the "
                     "gradients to compare (train checks that it trains as plain data parallelism)");
  }
  const ModelConfig& model = options_.model;
  const std::vector<int64_t> batch_shape = {model.batch_size, model.seq_len};
  auto tokens = file_->i32("input.tokens", batch_shape);
  auto targets = file_->i32("input.targets", batch_shape);
  for (const auto* ids : {&tokens, &targets}) {
    for (int32_t id : *ids) {
      if (id < 0 || id >= model.vocab_size) throw UsageError(reference_ + ": a token id lies outside the vocabulary");
    }
  }
  data_ = std::make_unique<FixedTokens>(std::move(tokens), std::move(targets), model.seq_len);
  // Every tensor the check needs, with its shape, before any work.
  for (int unit = 0; unit < unit_count(model); ++unit) {
    for (const auto& spec : unit_parameter_specs(model, unit)) {
      for (const char* prefix : {"", "grad.", "step1."}) file_->f32(prefix + spec.name, spec.shape);
    }
  }
  file_->f32("expected.logits", {model.batch_size, model.seq_len, model.vocab_size});
  file_->f32("expected.loss", {1});
}

void VerifyCommand::check_forward_backward(Trainer& trainer, float loss,
                                           const std::vector<float>& logits) {
  const ModelConfig& model = options_.model;
  const std::vector<int64_t> logits_shape = {model.batch_size, model.seq_len, model.vocab_size};
  const int logit_matmuls = bf16_logit_matmuls(model.n_layers);
  if (trainer.grid().world_rank() == 0) {
    const std::vector<float> expected = file_->f32("expected.loss", {1});
    // The loss moves by at most twice the largest logit error.
    checks_[0].compare("expected.loss", &loss, expected.data(), 1,
                       tolerance_for("loss", 2 * logit_matmuls, "expected.logits", logits_shape));
  }
  if (trainer.last_stage_chunk() != nullptr) {
    const std::vector<float> expected =
        file_->f32("expected.logits", {model.batch_size, model.seq_len, model.vocab_size});
    const size_t per_sample = static_cast<size_t>(model.seq_len) * model.vocab_size;
    const size_t begin = trainer.replica_first_sample() * per_sample;
    checks_[1].compare("expected.logits", logits.data() + begin, expected.data() + begin,
                       trainer.layout().replica_batch(model) * per_sample,
                       tolerance_for("logits", logit_matmuls, "expected.logits", logits_shape));
  }
  for (const auto& chunk : trainer.chunks()) {
    ParameterTable& params = chunk->params();
    for (const auto& entry : params.entries()) {
      const auto expected = shard_of("grad.", entry.spec);
      checks_[2].compare("grad." + entry.spec.name, params.grad(entry.spec.name), expected.data(),
                         expected.size(),
                         tolerance_for("grad", bf16_grad_matmuls(model.n_layers),
                                       "grad." + entry.spec.name, entry.spec.full_shape));
    }
  }
}

std::vector<float> VerifyCommand::shard_of(const std::string& prefix, const ParameterSpec& spec) const {
  const std::vector<float> full = file_->f32(prefix + spec.name, spec.full_shape);
  std::vector<float> local(static_cast<size_t>(spec.numel()));
  extract_shard(spec, full.data(), local.data());
  return local;
}

void VerifyCommand::check_step(Trainer& trainer) {
  const nlohmann::json& step1 = tolerances_.at("step1");
  const double loose_below = field<double>(step1, "step1", "loose_where_abs_grad_below");
  const Tolerance loose = {0.0, positive_field(step1, "step1", "loose_atol")};
  for (const auto& chunk : trainer.chunks()) {
    ParameterTable& params = chunk->params();
    for (const auto& entry : params.entries()) {
      const auto expected = shard_of("step1.", entry.spec);
      const auto grad = shard_of("grad.", entry.spec);
      // Under bf16 a gradient within its allowed error of zero may change
      // sign, so its update may differ by up to 2 lr: the loose rule's case.
      const Tolerance grad_error =
          tolerance_for("grad", bf16_grad_matmuls(options_.model.n_layers), "grad." + entry.spec.name,
                        entry.spec.full_shape);
      std::unique_ptr<bool[]> is_loose(new bool[grad.size()]);
      for (size_t idx = 0; idx < grad.size(); ++idx) {
        const double magnitude = std::fabs(grad[idx]);
        const double flip_bound = bf16() ? grad_error.atol + grad_error.rtol * magnitude : 0.0;
        is_loose[idx] = magnitude < loose_below || magnitude <= flip_bound;
      }
      checks_[3].compare("step1." + entry.spec.name, params.value(entry.spec.name), expected.data(),
                         expected.size(), tolerance_of(tolerances_, "step1"), is_loose.get(), loose);
    }
  }
}

Tolerance VerifyCommand::tolerance_for(const std::string& group, int rounded_matmuls,
                                       const std::string& name,
                                       const std::vector<int64_t>& shape) const {
  const Tolerance file = tolerance_of(tolerances_, group);
  if (!bf16()) return file;
  const std::vector<float> full = file_->f32(name, shape);
  return widen_for_bf16(file, bf16_norm_allowance(rounded_matmuls), rms_of(full.data(), full.size()));
}

int VerifyCommand::run(const Communicator& world) {
  const ModelConfig& model = options_.model;
  const Layout& layout = layout_flags_.layout;
  ProcessGrid grid(layout.grid, world);
  MemoryTracker tracker;
  Timeline timeline;
  if (world.rank() == 0) announce_precision(model);
  Trainer trainer(options_, layout, grid, *data_, tracker, timeline);
  for (const auto& chunk : trainer.chunks()) {
    ParameterTable& params = chunk->params();
    for (const auto& entry : params.entries()) {
      const std::vector<float> values = shard_of("", entry.spec);
      std::copy(values.begin(), values.end(), params.value(entry.spec.name));
    }
  }
  std::vector<float> logits;
  if (ModelChunk* last = trainer.last_stage_chunk()) {
    logits.resize(static_cast<size_t>(model.batch_size) * model.seq_len * model.vocab_size);
    last->head()->capture_logits(logits.data());
  }
  trainer.forward_backward(0);
  const float loss = static_cast<float>(trainer.global_loss(0));
  check_forward_backward(trainer, loss, logits);
  trainer.optimizer_step();
  check_step(trainer);
  if (world.rank() == 0) {
    std::printf("verify %s | %s | layout %s\n", reference_.c_str(), model.to_json().c_str(),
                layout.to_json().c_str());
    std::printf("loss %.7f (reference %.7f)\n", loss, file_->f32("expected.loss", {1})[0]);
  }
  return report(world);
}

int VerifyCommand::report(const Communicator& world) {
  bool all_passed = true;
  for (auto& check : checks_) {
    const auto all = world.gather_strings(check.to_text(), 0);
    if (world.rank() != 0) continue;
    ToleranceCheck merged(check.group());
    for (const auto& text : all) merged.merge(ToleranceCheck::from_text(text));
    std::printf("%s\n", merged.summary().c_str());
    all_passed = all_passed && merged.passed();
  }
  int verdict = all_passed ? 0 : 1;
  world.broadcast(&verdict, sizeof verdict, 0);
  if (world.rank() == 0) std::printf("%s\n", verdict == 0 ? "VERIFY PASS" : "VERIFY FAIL");
  return verdict;
}

}  // namespace

void register_verify_command(CLI::App& app, std::unique_ptr<Command>& chosen) {
  CLI::App* sub = app.add_subcommand("verify", "check forward, gradients and one AdamW step "
                                               "against a reference safetensors file");
  auto command = std::make_shared<std::unique_ptr<Command>>(std::make_unique<VerifyCommand>(*sub));
  sub->callback([command, &chosen] { chosen = std::move(*command); });
}

}  // namespace paratrain
