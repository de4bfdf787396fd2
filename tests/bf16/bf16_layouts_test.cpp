// bf16 autocast and recomputation through the command, under mpirun: every
// layout against the sequential bf16 run, recompute against none, verify on
// the reference files, and bf16 training against fp32 on real text.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "../parallel/equivalence.h"
#include "../temp_path.h"
#include "io/safetensors.h"
#include <nlohmann/json.hpp>

namespace paratrain {
namespace {

using testing::mpirun;
using testing::TrainedWeights;

constexpr int kSteps = 5;

TrainedWeights train(int ranks, const std::string& name, const std::string& flags,
                     const std::string& model = testing::kTinyModel, int steps = kSteps) {
  TrainedWeights run;
  run.params_path = testing::temp_path("paratrain_" + name + ".safetensors");
  const auto result = mpirun(ranks, "train " + model + " " + flags + " --steps " +
                                        std::to_string(steps) + " --save-params " + run.params_path);
  EXPECT_EQ(result.exit_code, 0) << name << "\n" << result.output;
  run.losses = testing::losses_of(result.output);
  EXPECT_EQ(run.losses.size(), size_t(steps)) << result.output;
  return run;
}

const TrainedWeights& sequential_bf16() {
  static const TrainedWeights run = train(1, "seq_bf16", "--precision bf16");
  return run;
}

// Why this tolerance. Under bf16 a layout still changes only the order of
// fp32 sums (the linears' outputs and partial sums stay fp32, also under tp,
// whose row-parallel layers all-reduce fp32 partials, and under micro-batches,
// which split the weight-gradient products' rows), but each matmul input is
// then rounded to bf16, and a value within an fp32 ulp of a bf16 rounding
// boundary rounds the other way: that input moves by one bf16 ulp, 2^-8
// relative, instead of 2^-24. So the gradients of the weights it touches move
// by up to 2^-8 of its share, and AdamW (update ~ lr g / |g|) turns that into
// a weight difference of about lr 2^-8 per step: 5 steps x lr 1e-3 x 2^-8 =
// 2e-5, and 1e-4 (5x that) bounds all but the rare element whose gradient is
// ~0, where the update flips sign (2 lr a step, the fp32 rule's worst case).
// The largest such group is the key rows of every qkv.bias (4 blocks x 32 =
// 128 of the tiny model's 55,488 elements, 0.23%), whose true gradient is
// exactly zero (a constant added to every score of a
// softmax row changes nothing). With attention's products in bf16 their
// gradient is rounding noise of ~1e-6, above AdamW's eps, so AdamW moves
// them by about lr a step in a direction the layout's sum order decides. So
// the share allowed beyond 1e-4 is 0.5%: those 0.23% plus as many again of
// near-zero gradients elsewhere. Measured (tiny model, 5 steps): pp2 0.22%,
// tp2 0.40% (0.23 points of it the key biases), worst 0.0044 (< 2 lr x 5
// steps); the losses agree to 1e-5 relative.
void expect_bf16_equivalent(const TrainedWeights& run, const std::string& name) {
  const TrainedWeights& reference = sequential_bf16();
  const double per_step = testing::kTinyLr / 256.0;  // lr 2^-8
  testing::expect_equivalent_training(run, reference, name,
                                      {1e-4, 5 * per_step * double(reference.losses.size()), 5e-3});
}

}  // namespace

TEST(Bf16Layouts, Bf16DiffersFromFp32) {
  // Sanity of the tests: bf16 really rounds (the runs would agree otherwise).
  const auto fp32 = train(1, "seq_fp32", "");
  EXPECT_NE(fp32.losses.at(1), sequential_bf16().losses.at(1));
  EXPECT_NEAR(fp32.losses.at(1), sequential_bf16().losses.at(1), 0.02 * fp32.losses.at(1));
}

TEST(Bf16Layouts, DataParallel2) { expect_bf16_equivalent(train(2, "dp2", "--precision bf16 --dp 2"), "dp2"); }
TEST(Bf16Layouts, DataParallel2Zero1) {
  expect_bf16_equivalent(train(2, "dp2z", "--precision bf16 --dp 2 --zero 1"), "dp2 zero1");
}
TEST(Bf16Layouts, PipelineGPipe) {
  expect_bf16_equivalent(train(2, "gpipe", "--precision bf16 --pp 2 --micro-batch 2 --schedule gpipe"), "pp2 gpipe");
}
TEST(Bf16Layouts, Pipeline1F1B) {
  expect_bf16_equivalent(train(2, "1f1b", "--precision bf16 --pp 2 --micro-batch 1 --schedule 1f1b"), "pp2 1f1b");
}
TEST(Bf16Layouts, PipelineInterleaved) {
  expect_bf16_equivalent(train(2, "inter", "--precision bf16 --pp 2 --micro-batch 2 --schedule interleaved "
                                           "--virtual-stages 2"),
                         "pp2 interleaved");
}
// Zero-bubble: the weight-gradient half rounds the same dy and the same
// kept inputs to bf16 as the whole backward does.
TEST(Bf16Layouts, PipelineZbH1) {
  expect_bf16_equivalent(train(2, "zbh1", "--precision bf16 --pp 2 --micro-batch 1 --schedule zb-h1"), "pp2 zb-h1");
}
TEST(Bf16Layouts, PipelineZbH2TensorSequenceParallel) {
  expect_bf16_equivalent(train(4, "zbh2tpsp", "--precision bf16 --pp 2 --tp 2 --sequence-parallel --micro-batch 2 "
                                              "--schedule zb-h2"),
                         "pp2 x tp2 sp zb-h2");
}
TEST(Bf16Layouts, TensorParallel2) { expect_bf16_equivalent(train(2, "tp2", "--precision bf16 --tp 2"), "tp2"); }
TEST(Bf16Layouts, TensorParallel2Sequence) {
  expect_bf16_equivalent(train(2, "tp2sp", "--precision bf16 --tp 2 --sequence-parallel"), "tp2 sp");
}
TEST(Bf16Layouts, DataPipelineTensor) {
  expect_bf16_equivalent(train(8, "dpxppxtp", "--precision bf16 --dp 2 --pp 2 --tp 2 --micro-batch 2"),
                         "dp2 x pp2 x tp2");
}

// Recomputation reruns the same kernels on the same inputs with the same
// counter-keyed dropout masks, so it must reproduce every bit.
TEST(Recompute, SelectiveAndFullAreBitIdenticalFp32) {
  const auto none = train(1, "rc_none", "");
  testing::expect_identical_training(train(1, "rc_sel", "--recompute selective"), none, "selective");
  testing::expect_identical_training(train(1, "rc_full", "--recompute full"), none, "full");
}

TEST(Recompute, SelectiveAndFullAreBitIdenticalBf16) {
  testing::expect_identical_training(train(1, "rc_sel16", "--precision bf16 --recompute selective"), sequential_bf16(), "selective");
  testing::expect_identical_training(train(1, "rc_full16", "--precision bf16 --recompute full"), sequential_bf16(), "full");
}

// F = 2: d_hidden is narrower than q k v, so their widened copy for
// attention's backward gets its own workspace buffer (model/workspace.h).
TEST(Recompute, NarrowMlpUnderBf16) {
  const auto none = train(1, "narrow16", "--precision bf16 --ffn-mult 2");
  testing::expect_identical_training(train(1, "narrow_sel16", "--precision bf16 --ffn-mult 2 --recompute selective"), none,
                   "ffn-mult 2 selective");
  const auto fp32 = train(1, "narrow32", "--ffn-mult 2");
  ASSERT_EQ(none.losses.size(), fp32.losses.size());
  for (size_t step = 0; step < fp32.losses.size(); ++step) {
    EXPECT_NEAR(none.losses[step], fp32.losses[step], 0.01 * fp32.losses[step]) << "step " << step;
  }
}

TEST(Recompute, FullUnderTensorAndPipelineParallel) {
  const auto none = train(4, "rc_tp_none", "--tp 2 --pp 2 --micro-batch 2 --sequence-parallel");
  testing::expect_identical_training(train(4, "rc_tp_full", "--tp 2 --pp 2 --micro-batch 2 --sequence-parallel --recompute full"),
                   none, "tp2 pp2 sp full");
  testing::expect_identical_training(train(4, "rc_tp_sel", "--tp 2 --pp 2 --micro-batch 2 --sequence-parallel --recompute selective"),
                   none, "tp2 pp2 sp selective");
}

// Selective recompute under a split backward: B recomputes the softmax as
// the whole backward would, W reads nothing selective recompute drops.
TEST(Recompute, SelectiveUnderZeroBubbleIsBitIdentical) {
  const auto none = train(2, "zb_none", "--pp 2 --micro-batch 1 --schedule zb-h1");
  testing::expect_identical_training(train(2, "zb_sel", "--pp 2 --micro-batch 1 --schedule zb-h1 --recompute selective"), none,
                   "pp2 zb-h1 selective");
  const auto none16 = train(2, "zb_none16", "--precision bf16 --pp 2 --micro-batch 1 --schedule zb-h1");
  testing::expect_identical_training(train(2, "zb_sel16", "--precision bf16 --pp 2 --micro-batch 1 --schedule zb-h1 --recompute selective"),
                   none16, "pp2 zb-h1 bf16 selective");
}

TEST(Bf16Verify, BothReferenceFiles) {
  for (const std::string file : {"tiny", "small"}) {
    const auto result = mpirun(1, "verify --precision bf16 --reference " PARATRAIN_REFERENCE_DIR "/" + file +
                                      ".safetensors");
    EXPECT_EQ(result.exit_code, 0) << file << "\n" << result.output;
    EXPECT_NE(result.output.find("VERIFY PASS"), std::string::npos) << result.output;
  }
}

TEST(Bf16Verify, UnderTensorAndPipelineParallel) {
  const auto result = mpirun(4, "verify --precision bf16 --recompute selective --reference " PARATRAIN_REFERENCE_DIR
                                "/tiny.safetensors --tp 2 --pp 2 --micro-batch 1");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("VERIFY PASS"), std::string::npos) << result.output;
}

TEST(Bf16Verify, Fp32ToleranceWouldRefuseBf16) {
  // The bf16 allowance is needed: the bf16 run's logits are outside the
  // file's fp32 tolerance (1e-5 absolute + 1e-5 relative, so below 1e-4 for
  // these logits of a few units). The loss alone does not show it: it is a
  // mean, where the rounding errors largely cancel (2e-5 from the reference
  // with oneDNN's native bf16 kernels).
  const auto result = mpirun(1, "verify --precision bf16 --reference " PARATRAIN_REFERENCE_DIR "/small.safetensors");
  const size_t line = result.output.find("\nlogits");
  ASSERT_NE(line, std::string::npos) << result.output;
  double logits_error = 0;
  ASSERT_EQ(std::sscanf(result.output.c_str() + line, "\nlogits ok max abs err %lf", &logits_error), 1)
      << result.output;
  EXPECT_GT(logits_error, 1e-3);
}

// A short run on real text (this repository's README as bytes), fp32 and
// bf16 from the same seed: bf16's loss tracks fp32's, the final within 2%
// (the mean of the last 5 steps, so that one batch's noise does not decide).
TEST(Bf16Training, TracksFp32OnText) {
  const std::string model =
      "--vocab-size 256 --seq-len 64 --d-model 64 --n-heads 4 --n-layers 2 --batch-size 8 --dropout 0.1 "
      "--lr 1e-3 --seed 5 --data " PARATRAIN_SOURCE_DIR "/README.md";
  const auto fp32 = train(1, "text_fp32", "", model, 40);
  const auto bf16 = train(1, "text_bf16", "--precision bf16", model, 40);
  ASSERT_EQ(fp32.losses.size(), 40u);
  ASSERT_EQ(bf16.losses.size(), 40u);
  auto final_loss = [](const std::vector<double>& losses) {
    double sum = 0;
    for (size_t step = losses.size() - 5; step < losses.size(); ++step) sum += losses[step];
    return sum / 5;
  };
  EXPECT_LT(final_loss(fp32.losses), 0.9 * fp32.losses.front());  // it learned something
  EXPECT_NE(bf16.losses, fp32.losses);                             // and bf16 did round
  EXPECT_NEAR(final_loss(bf16.losses), final_loss(fp32.losses), 0.02 * final_loss(fp32.losses));
}

namespace {

// Bench's tracked peak bytes of rank 0, by category.
nlohmann::json peak_bytes(const std::string& flags) {
  const auto result = mpirun(1, "bench " + testing::kTinyModel + " --warmup 0 --steps 1 --peak-gflops 1 " + flags);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  // stdout and stderr arrive together: the record is the last line that is a JSON object.
  const std::string line = testing::last_json_line(result.output);
  if (!line.empty()) return nlohmann::json::parse(line)["ranks"][0]["peak_bytes"];
  ADD_FAILURE() << "no record in\n" << result.output;
  return nlohmann::json::object();
}

}  // namespace

// What each mode keeps, exactly: the tiny model is L = 4 blocks, H = 4 heads,
// T = 16, D = 32, F D = 128, one micro-batch of B = 8 samples (one slot).
TEST(Recompute, MemoryByCategory) {
  const int64_t layers = 4, heads = 4, seq = 16, d = 32, ffn = 128, rows = 8 * seq;
  const int64_t probs = layers * 8 * heads * seq * seq * 4;  // (B, H, T, T) fp32 per block
  const auto none = peak_bytes("");
  const auto selective = peak_bytes("--recompute selective");
  const auto full = peak_bytes("--recompute full");
  const auto bf16 = peak_bytes("--precision bf16");
  const auto bf16_selective = peak_bytes("--precision bf16 --recompute selective");
  // Selective keeps neither the softmax nor GELU's output (fp32, F D per row);
  // the workspace gains a (T, T) plane for the recomputed softmax and one
  // GELU output that every block's backward refills.
  const int64_t gelu_out = rows * ffn * 4;
  EXPECT_EQ(none["activations"].get<int64_t>() - selective["activations"].get<int64_t>(),
            probs + layers * gelu_out);
  EXPECT_EQ(selective["workspace"].get<int64_t>() - none["workspace"].get<int64_t>(), seq * seq * 4 + gelu_out);
  // Full: one saved set for all blocks instead of one per block. Per block
  // and row: ln1_out, x_mid, ln2_out (3 D), two means and rstds (4), qkv (3 D),
  // heads (D), hidden and activated (2 F D), in fp32; plus the (B, H, T, T) probs.
  const int64_t per_block = 4 * (rows * (7 * d + 4 + 2 * ffn) + 8 * heads * seq * seq);
  EXPECT_EQ(none["activations"].get<int64_t>() - full["activations"].get<int64_t>(), (layers - 1) * per_block);
  // bf16 keeps what only feeds a matmul in 2 bytes instead of 4: in each
  // block both layernorm outputs (2 D), q k v (3 D), the attention output (D)
  // and GELU's (F D), and ln_f's output (D) in the head; and adds the bf16
  // weight copies (parameters) of the four linears and lm_head.
  EXPECT_EQ(none["activations"].get<int64_t>() - bf16["activations"].get<int64_t>(),
            layers * rows * (6 * d + ffn) * 2 + rows * d * 2);
  EXPECT_EQ(bf16["activations"].get<int64_t>() - bf16_selective["activations"].get<int64_t>(),
            probs + layers * rows * ffn * 2);
  const int64_t matmul_weights = layers * (3 * d * d + d * d + 2 * ffn * d) + 64 * d;
  EXPECT_EQ(bf16["parameters"].get<int64_t>() - none["parameters"].get<int64_t>(), matmul_weights * 2);
}

}  // namespace paratrain
