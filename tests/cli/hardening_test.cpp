// Issue 14: hostile input, output paths and signals. Each test names the bug
// it guards against; every refusal is one line and exit code 2.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>

#include "../temp_path.h"
#include "io/safetensors.h"
#include "run_command.h"

namespace paratrain {

using testing::run_command;
using testing::temp_path;

namespace {

const char* kTiny = "--vocab-size 64 --seq-len 16 --d-model 32 --n-heads 4 --n-layers 2 --batch-size 4";
const std::string kReference = PARATRAIN_REFERENCE_DIR "/tiny.safetensors";

// PARATRAIN_TEST_BINARY runs these tests against another build (e.g. the
// unfixed one, to see each test fail before its fix).
std::string binary() {
  const char* other = std::getenv("PARATRAIN_TEST_BINARY");
  return other != nullptr ? other : PARATRAIN_BINARY;
}

// `timeout`: a refusal must come at once, not after reading /dev/zero for ever.
void expect_refused(const std::string& arguments, const std::string& message) {
  const auto result = run_command("timeout -s KILL 60 " + binary() + " " + arguments);
  EXPECT_EQ(result.exit_code, 2) << arguments << "\n" << result.output;
  EXPECT_NE(result.output.find(message), std::string::npos)
      << arguments << " should say '" << message << "', said: " << result.output;
  EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1)
      << arguments << ": one line expected: " << result.output;
}

std::string make_fifo(const std::string& name) {
  const std::string path = temp_path(name);
  EXPECT_EQ(mkfifo(path.c_str(), 0644), 0);
  return path;
}

// A copy of the tiny reference whose metadata and float tensors `edit` may change.
std::string edited_reference(const std::string& name,
                             const std::function<void(std::map<std::string, std::string>&)>& edit_metadata,
                             const std::string& tensor = "", float value = 0) {
  const SafetensorsFile file = SafetensorsFile::read(kReference);
  std::vector<std::vector<float>> floats;
  std::vector<std::vector<int32_t>> ints;
  std::vector<TensorToWrite> tensors;
  floats.reserve(1000);
  ints.reserve(10);
  for (const auto& entry : file.names()) {
    const TensorRecord& record = file.record(entry);
    if (record.dtype == "F32") {
      floats.push_back(file.f32(entry, record.shape));
      if (entry == tensor) floats.back()[0] = value;
      tensors.push_back({entry, "F32", record.shape, floats.back().data()});
    } else {
      ints.push_back(file.i32(entry, record.shape));
      tensors.push_back({entry, "I32", record.shape, ints.back().data()});
    }
  }
  auto metadata = file.metadata();
  edit_metadata(metadata);
  const std::string path = temp_path(name + ".safetensors");
  write_safetensors(path, tensors, metadata);
  return path;
}

void replace_text(std::string& text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from << " in " << text;
  text.replace(at, from.size(), to);
}

}  // namespace

// "verify --reference DIR, train --data DIR abort with std::__ios_failure";
// "sweep --sweep-file DIR exits 3".
TEST(Hardening, DirectoriesAsInputFilesAreRefused) {
  const std::string dir = testing::process_temp_dir();
  expect_refused("train --data " + dir + " --vocab-size 256", "is a directory");
  expect_refused("verify --reference " + dir, "is a directory");
  expect_refused("sweep --sweep-file " + dir + " --out " + temp_path("r.jsonl"), "is a directory");
  expect_refused("report " + dir + " --out " + temp_path("report"), "results file");
}

// "--data /dev/zero and --reference /dev/zero read without limit, then bad_alloc".
TEST(Hardening, DevicesAndFifosAsInputFilesAreRefused) {
  expect_refused("train --data /dev/zero --vocab-size 256", "not a regular file");
  expect_refused("verify --reference /dev/zero", "not a regular file");
  expect_refused("sweep --sweep-file /dev/zero --out " + temp_path("r.jsonl"), "not a regular file");
  expect_refused("train --vocab-size 256 --data " + make_fifo("data.fifo"), "a FIFO");
}

// "--threads 100000 segfaults inside oneDNN".
TEST(Hardening, ThreadsAreBoundedByTheRanksCores) {
  expect_refused(std::string("train ") + kTiny + " --threads 100000", "--threads (100000) must be at most");
  expect_refused("verify --reference " + kReference + " --threads 50000", "--threads (50000) must be at most");
}

// "empty strings are read as 0 (--micro-batch \"\"); --lr inf is accepted".
TEST(Hardening, NumericFlagsRefuseEmptyAndNonFiniteValues) {
  expect_refused(std::string("train ") + kTiny + " --micro-batch ''", "--micro-batch");
  expect_refused(std::string("train ") + kTiny + " --lr ''", "--lr");
  expect_refused(std::string("train ") + kTiny + " --lr inf", "--lr");
  expect_refused(std::string("train ") + kTiny + " --lr nan", "--lr");
  expect_refused(std::string("train ") + kTiny + " --dropout nan", "--dropout");
  expect_refused(std::string("bench ") + kTiny + " --peak-gflops inf", "--peak-gflops");
  expect_refused(std::string("train ") + kTiny + " --bucket-mb 1e999", "--bucket-mb");
  expect_refused(std::string("sweep ") + kTiny + " --point-timeout nan", "--point-timeout");
}

// "--d-model 32 --ffn-mult 134217728 passes validation and fails inside the GEMM".
TEST(Hardening, ValidationProductsDoNotOverflow) {
  expect_refused("train --d-model 32 --n-heads 4 --ffn-mult 134217728", "--ffn-mult x --d-model");
}

// "vocab_size = 2^32+64 read as 64; 1e300 reported as --vocab-size must be positive".
TEST(Hardening, ReferenceMetadataIsConvertedStrictly) {
  expect_refused("verify --reference " + edited_reference("wrapped_vocab", [](auto& meta) {
                   replace_text(meta["config"], "\"vocab_size\": 64", "\"vocab_size\": 4294967360");
                 }),
                 "__metadata__.config.vocab_size must be a whole number");
  expect_refused("verify --reference " + edited_reference("huge_vocab", [](auto& meta) {
                   replace_text(meta["config"], "\"vocab_size\": 64", "\"vocab_size\": 1e300");
                 }),
                 "__metadata__.config.vocab_size");
  expect_refused("verify --reference " + edited_reference("huge_lr", [](auto& meta) {
                   replace_text(meta["adamw"], "\"lr\": 0.0003", "\"lr\": 1e39");
                 }),
                 "__metadata__.adamw.lr must be a finite number");
}

// "negative tolerances in a file's metadata make anything pass".
TEST(Hardening, ToleranceMustBePositive) {
  expect_refused("verify --reference " + edited_reference("negative_tolerance", [](auto& meta) {
                   replace_text(meta["tolerance"], "\"rtol\": 0.0001, \"atol\": 5e-05", "\"rtol\": -1, \"atol\": -1");
                 }),
                 "__metadata__.logits.rtol must be positive");
}

// "an infinite value anywhere gives exit 3 from the JSON library instead of exit 1".
TEST(Hardening, NonFiniteReferenceValuesAreNamedMismatches) {
  for (const auto& [tensor, value] : std::vector<std::pair<std::string, float>>{
           {"expected.logits", INFINITY}, {"lm_head.weight", NAN}, {"expected.loss", -INFINITY}}) {
    const std::string path = edited_reference("nonfinite", [](auto&) {}, tensor, value);
    const auto result = run_command(binary() + " verify --reference " + path);
    EXPECT_EQ(result.exit_code, 1) << tensor << "\n" << result.output;
    EXPECT_NE(result.output.find("VERIFY FAIL"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find(tensor == "lm_head.weight" ? "FAIL" : tensor), std::string::npos) << result.output;
  }
}

// "train --trace / --save-params paths are checked only after training";
// "--trace /dev/full exits 0 and the trace is silently lost".
TEST(Hardening, OutputPathsAreCheckedBeforeTraining) {
  expect_refused(std::string("train ") + kTiny + " --steps 1 --trace /dev/full", "not a regular file");
  expect_refused(std::string("train ") + kTiny + " --steps 1 --save-params " + testing::process_temp_dir(),
                 "not a regular file");
  expect_refused(std::string("train ") + kTiny + " --steps 1 --save-params /nonexistent/dir/p.safetensors",
                 "--save-params: cannot write");
  expect_refused(std::string("bench ") + kTiny + " --steps 1 --trace " + make_fifo("trace.fifo"), "not a regular file");
}

// "sweep --csv onto a device node replaces the device with a regular file".
TEST(Hardening, SweepNeverReplacesWhatIsNotARegularFile) {
  const std::string fifo = make_fifo("csv.fifo");
  expect_refused(std::string("sweep ") + kTiny + " --strategies seq --warmup 0 --steps 1 --peak-gflops 10 --out " +
                     temp_path("csv.jsonl") + " --csv " + fifo,
                 "--csv");
  struct stat info {};
  ASSERT_EQ(stat(fifo.c_str(), &info), 0);
  EXPECT_TRUE(S_ISFIFO(info.st_mode));
}

// "sweep --out onto a text file without a trailing newline cuts its last line".
TEST(Hardening, SweepRefusesAForeignResultsFileAndLeavesItAlone) {
  const std::string notes = temp_path("notes.txt");
  std::ofstream(notes) << "my notes\nthe last line has no newline";
  expect_refused(std::string("sweep ") + kTiny + " --strategies seq --warmup 0 --steps 1 --peak-gflops 10 --out " + notes,
                 "not a JSON object");
  std::ifstream in(notes);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "my notes\nthe last line has no newline");
}

// "sweep skips a garbage line that report then refuses": both refuse, naming the line.
TEST(Hardening, SweepAndReportAgreeOnAGarbageLine) {
  const std::string results = temp_path("garbage.jsonl");
  std::ofstream(results) << "this is garbage\n{\"sweep\": {\"key\": \"a\"}}\n";
  expect_refused(std::string("sweep ") + kTiny + " --strategies seq --warmup 0 --steps 1 --peak-gflops 10 --out " + results,
                 results + ":1: not a JSON object");
  expect_refused("report " + results + " --out " + temp_path("garbage_report"), results + ":1: not a JSON object");
}

// "SIGINT to mpirun exits 1 silently": one line naming the signal, exit 130.
TEST(Hardening, SigintEndsTrainWithOneLine) {
  const auto result = run_command("{ " + binary() + " train " + kTiny +
                                  " --steps 1000000 > /dev/null & pid=$!; sleep 2; kill -INT $pid; "
                                  "for i in $(seq 50); do kill -0 $pid 2>/dev/null || break; sleep 0.2; done; "
                                  "kill -KILL $pid 2>/dev/null; wait $pid; echo rc=$?; }");
  EXPECT_NE(result.output.find("paratrain: stopped by SIGINT"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("rc=130"), std::string::npos) << result.output;
}

// "an orphaned mpirun child of a killed sweep ran on": the sweep stops its child's group.
TEST(Hardening, AnInterruptedSweepStopsItsChild) {
  const std::string out = temp_path("interrupted/results.jsonl");
  // Steps of several seconds: the child writes nothing between them, so an
  // orphan cannot die of SIGPIPE on its stderr before it is counted.
  const std::string slow_model =
      "--vocab-size 1000 --seq-len 256 --d-model 256 --n-heads 8 --n-layers 4 --batch-size 64";
  const std::string sweep = binary() + " sweep " + slow_model +
                            " --strategies seq --warmup 0 --steps 1000000 --peak-gflops 10 --out " + out;
  // The child's command line holds the unique trace folder; count its processes after the sweep is stopped.
  // "[b]ench" matches the child's "bench" but not this shell's own command line.
  const std::string marker = "[b]ench.*" + testing::process_temp_dir() + "/interrupted/traces";
  const auto result = run_command("{ " + sweep + " 2>/dev/null & pid=$!; for i in $(seq 100); do pgrep -f '" + marker +
                                  "' >/dev/null && echo child running && break; sleep 0.2; done; sleep 1; kill -TERM $pid; "
                                  "wait $pid; echo rc=$?; sleep 2; echo left=$(pgrep -f '" + marker + "' | wc -l); "
                                  "pkill -KILL -f '" + marker + "'; }");
  EXPECT_NE(result.output.find("child running"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("rc=143"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("left=0"), std::string::npos) << result.output;
}

}  // namespace paratrain
