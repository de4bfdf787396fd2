// paratrain verify: forward, backward and one AdamW step against a PyTorch
// reference file (shared/reference/*.safetensors). Exit 0: all within
// tolerance; 1: some value is not; 2: the file cannot be used.
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

#include "cli/commands.h"
#include "core/error.h"
#include "core/memory.h"
#include "io/safetensors.h"
#include "io/token_source.h"
#include "kernels/gemm.h"
#include "metrics/timeline.h"
#include "metrics/tolerance.h"
#include "parallel/trainer.h"

namespace paratrain {

namespace {

struct VerifyFlags {
  std::string reference;
  int threads = 1;
  int micro_batch = 0;
};

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
  if (!object.contains(name)) throw UsageError("__metadata__." + group + " lacks " + name);
  return object[name].get<T>();
}

ModelConfig config_from(const nlohmann::json& config) {
  ModelConfig model;
  model.vocab_size = field<int>(config, "config", "vocab_size");
  model.seq_len = field<int>(config, "config", "seq_len");
  model.d_model = field<int>(config, "config", "d_model");
  model.n_heads = field<int>(config, "config", "n_heads");
  model.n_layers = field<int>(config, "config", "n_layers");
  model.ffn_mult = field<int>(config, "config", "ffn_mult");
  model.dropout = field<float>(config, "config", "dropout");
  model.batch_size = field<int>(config, "config", "batch_size");
  model.validate();
  return model;
}

Tolerance tolerance_of(const nlohmann::json& tolerances, const std::string& group) {
  if (!tolerances.contains(group)) throw UsageError("__metadata__.tolerance lacks " + group);
  return {field<double>(tolerances[group], group, "rtol"), field<double>(tolerances[group], group, "atol")};
}

int run_verify(const VerifyFlags& flags) {
  kernels::gemm_set_threads(flags.threads);
  const SafetensorsFile file = SafetensorsFile::read(flags.reference);
  TrainOptions options;
  options.model = config_from(metadata_json(file, "config"));
  const nlohmann::json adamw = metadata_json(file, "adamw");
  options.adamw = {field<float>(adamw, "adamw", "lr"), field<float>(adamw, "adamw", "b1"),
                   field<float>(adamw, "adamw", "b2"), field<float>(adamw, "adamw", "eps"),
                   field<float>(adamw, "adamw", "wd")};
  options.micro_batch = flags.micro_batch;
  const nlohmann::json tolerances = metadata_json(file, "tolerance");
  const ModelConfig& model = options.model;
  const std::vector<int64_t> batch_shape = {model.batch_size, model.seq_len};
  FixedTokens data(file.i32("input.tokens", batch_shape), file.i32("input.targets", batch_shape),
                   model.seq_len);
  for (const auto& [name, tokens] :
       {std::pair{"input.tokens", file.i32("input.tokens", batch_shape)},
        std::pair{"input.targets", file.i32("input.targets", batch_shape)}}) {
    for (int32_t token : tokens) {
      if (token < 0 || token >= model.vocab_size) throw UsageError(std::string(name) + " holds a token id outside the vocabulary");
    }
  }

  MemoryTracker tracker;
  Timeline timeline;
  Trainer trainer(options, data, tracker, timeline);
  ParameterTable& params = trainer.chunk().params();
  for (const auto& entry : params.entries()) {
    const std::vector<float> values = file.f32(entry.spec.name, entry.spec.shape);
    std::copy(values.begin(), values.end(), params.value(entry.spec.name));
  }
  const std::vector<int64_t> logits_shape = {model.batch_size, model.seq_len, model.vocab_size};
  const std::vector<float> expected_logits = file.f32("expected.logits", logits_shape);
  const std::vector<float> expected_loss = file.f32("expected.loss", {1});
  std::vector<float> logits(expected_logits.size());
  trainer.chunk().head()->capture_logits(logits.data());
  const float loss = static_cast<float>(trainer.forward_backward(0));

  std::vector<ToleranceCheck> checks = {ToleranceCheck("loss"), ToleranceCheck("logits"),
                                        ToleranceCheck("grad"), ToleranceCheck("step1")};
  checks[0].compare("expected.loss", &loss, expected_loss.data(), 1, tolerance_of(tolerances, "loss"));
  checks[1].compare("expected.logits", logits.data(), expected_logits.data(), logits.size(),
                    tolerance_of(tolerances, "logits"));
  std::vector<std::vector<float>> reference_grads;
  for (const auto& entry : params.entries()) {
    reference_grads.push_back(file.f32("grad." + entry.spec.name, entry.spec.shape));
    checks[2].compare("grad." + entry.spec.name, params.grad(entry.spec.name),
                      reference_grads.back().data(), reference_grads.back().size(),
                      tolerance_of(tolerances, "grad"));
  }
  trainer.optimizer_step();
  const nlohmann::json& step1 = tolerances.at("step1");
  const double loose_below = field<double>(step1, "step1", "loose_where_abs_grad_below");
  const Tolerance loose = {0.0, field<double>(step1, "step1", "loose_atol")};
  size_t entry_idx = 0;
  for (const auto& entry : params.entries()) {
    const std::vector<float> expected = file.f32("step1." + entry.spec.name, entry.spec.shape);
    const std::vector<float>& grad = reference_grads[entry_idx++];
    std::unique_ptr<bool[]> is_loose(new bool[grad.size()]);
    for (size_t idx = 0; idx < grad.size(); ++idx) is_loose[idx] = std::fabs(grad[idx]) < loose_below;
    checks[3].compare("step1." + entry.spec.name, params.value(entry.spec.name), expected.data(),
                      expected.size(), tolerance_of(tolerances, "step1"), is_loose.get(), loose);
  }

  bool all_passed = true;
  std::printf("verify %s | %s\n", flags.reference.c_str(), model.to_json().c_str());
  std::printf("loss %.7f (reference %.7f)\n", loss, expected_loss[0]);
  for (const auto& check : checks) {
    std::printf("%s\n", check.summary().c_str());
    all_passed = all_passed && check.passed();
  }
  std::printf("%s\n", all_passed ? "VERIFY PASS" : "VERIFY FAIL");
  return all_passed ? 0 : 1;
}

}  // namespace

void register_verify_command(CLI::App& app, std::function<int()>& action) {
  auto flags = std::make_shared<VerifyFlags>();
  CLI::App* sub = app.add_subcommand("verify", "check forward, gradients and one AdamW step "
                                               "against a reference safetensors file");
  sub->add_option("--reference", flags->reference, "reference .safetensors file")->required();
  sub->add_option("--threads", flags->threads, "BLAS threads of this rank")->capture_default_str();
  sub->add_option("--micro-batch", flags->micro_batch, "samples per micro-batch (0: whole batch)");
  sub->callback([flags, &action] { action = [flags] { return run_verify(*flags); }; });
}

}  // namespace paratrain
