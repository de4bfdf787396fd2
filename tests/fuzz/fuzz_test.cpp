// Issue 14's fuzzing test: mutated command lines (flags and values from the
// real flag list) and mutated safetensors files, fixed seeds, bounded time.
// Every run must end in exit 0, 1 or 2 within its time limit: never a signal,
// an abort, a timeout or exit 3 on an input problem. Each test prints a
// summary line with the counts of how the runs ended.
// PARATRAIN_FUZZ_BINARY runs it against another build (e.g. the unfixed one).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <vector>

#include "../cli/run_command.h"
#include "../temp_path.h"

namespace paratrain {

using testing::run_command;
using testing::temp_path;

namespace {

constexpr int kTimeLimitS = 60;
const std::string kReference = PARATRAIN_REFERENCE_DIR "/tiny.safetensors";
const char* const kTiny = "--vocab-size 64 --seq-len 16 --d-model 32 --n-heads 4 --n-layers 2 --batch-size 4";

std::string binary() {
  const char* other = std::getenv("PARATRAIN_FUZZ_BINARY");
  return other != nullptr ? other : PARATRAIN_BINARY;
}

class Tally {
 public:
  explicit Tally(std::string name) : name_(std::move(name)) {}
  ~Tally() {
    std::printf("fuzz %s: %d runs: exit 0: %d, exit 1: %d, exit 2: %d, exit 3: %d, other exit: %d, "
                "signal/abort/timeout: %d\n",
                name_.c_str(), runs_, counts_[0], counts_[1], counts_[2], counts_[3], other_, signalled_);
    std::fflush(stdout);
  }

  // `launcher`: empty, or mpirun and its flags.
  void run(const std::string& arguments, const std::string& launcher = "") {
    // From this process's temporary folder: a mutated value such as "3" or "nan" is
    // a valid relative output path, and must not land in the checkout.
    const auto result = run_command("cd " + testing::process_temp_dir() + " && timeout -s KILL " +
                                    std::to_string(kTimeLimitS) + " " + launcher + binary() + " " + arguments +
                                    " </dev/null");
    ++runs_;
    const bool aborted = result.output.find("terminate called") != std::string::npos;
    if (result.exit_code >= 128 || aborted) {
      ++signalled_;
    } else if (result.exit_code >= 0 && result.exit_code <= 3) {
      ++counts_[result.exit_code];
    } else {
      ++other_;
    }
    const bool good = !aborted && result.exit_code >= 0 && result.exit_code <= 2;
    EXPECT_TRUE(good) << "exit " << result.exit_code << ": paratrain " << arguments << "\n"
                      << result.output.substr(0, 2000);
  }

 private:
  std::string name_;
  int runs_ = 0, other_ = 0, signalled_ = 0;
  int counts_[4] = {0, 0, 0, 0};
};

struct Flag {
  const char* name;
  bool takes_size;  // a huge value would be a valid request for hours of work or terabytes
};

// The real flags of train/bench/verify (src/cli/common_flags.cpp and the commands).
const std::vector<Flag> kRunFlags = {
    {"--vocab-size", true},  {"--seq-len", true},   {"--d-model", true},     {"--n-heads", true},
    {"--n-layers", false},   {"--ffn-mult", true},  {"--dropout", true},     {"--batch-size", true},
    {"--lr", true},          {"--seed", true},      {"--threads", true},     {"--data", true},
    {"--dp", true},          {"--pp", true},        {"--tp", true},          {"--micro-batch", true},
    {"--schedule", true},    {"--virtual-stages", true}, {"--partition", true}, {"--bucket-mb", true},
    {"--zero", true},        {"--steps", false},    {"--trace", true},       {"--save-params", true},
    {"--warmup", false},     {"--peak-gflops", true}, {"--reference", true}};

class Mutator {
 public:
  Mutator(uint32_t seed, std::string dir) : random_(seed), dir_(std::move(dir)) {
    std::ofstream(dir_ + "/text.txt") << std::string(4096, 'a') << "the quick brown fox\n";
    mkfifo((dir_ + "/fifo").c_str(), 0644);
  }

  std::string pick(const std::vector<std::string>& from) { return from[random_() % from.size()]; }
  uint32_t below(uint32_t bound) { return static_cast<uint32_t>(random_() % bound); }

  std::string value(bool takes_size) {
    static const std::vector<std::string> kPlain = {
        "''", "0", "-1", "1", "2", "3", "-2147483649", "2147483648", "99999999999999999999", "1e309",
        "inf", "-inf", "nan", "abc", "1.5", "0x10", "' 4'", "-0", "1e-40", "2,2", "1,x", "gpipe", "interleaved"};
    static const std::vector<std::string> kHuge = {"2147483647", "1e9", "4294967360", "1e300"};
    static const std::vector<std::string> kPaths = {
        "/nonexistent/x", "/dev/zero", "/dev/full", "/dev/null", "/proc/version"};
    const uint32_t kind = below(10);
    if (kind < 6) return pick(kPlain);
    if (kind < 7 && takes_size) return pick(kHuge);
    if (kind < 8) return pick(kPaths);
    static const std::vector<std::string> kOwn = {"", "/fifo", "/text.txt", "/out.bin", "/no/such/dir/f"};
    return dir_ + pick(kOwn);
  }

  std::string command_line() {
    static const std::vector<std::string> kCommands = {"train", "train", "train", "bench", "bench", "verify"};
    const std::string command = pick(kCommands);
    std::string args = command + " ";
    if (command == "verify") {
      args += "--reference " + kReference;
    } else {
      args += std::string(kTiny) + (command == "train" ? " --steps 1" : " --warmup 0 --steps 1 --peak-gflops 10");
    }
    const int mutations = 1 + static_cast<int>(below(3));
    for (int idx = 0; idx < mutations; ++idx) {
      const Flag& flag = kRunFlags[below(static_cast<uint32_t>(kRunFlags.size()))];
      args += std::string(" ") + flag.name + " " + value(flag.takes_size);
    }
    return args;
  }

 private:
  std::mt19937 random_;
  std::string dir_;
};

void fuzz_command_lines(uint32_t seed, int runs) {
  Tally tally("command lines seed " + std::to_string(seed));
  const std::string dir = temp_path("cli_" + std::to_string(seed));
  std::filesystem::create_directories(dir);
  Mutator mutator(seed, dir);
  for (int idx = 0; idx < runs; ++idx) tally.run(mutator.command_line());
}

std::vector<char> reference_bytes() {
  std::ifstream in(kReference, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A mutated copy of the tiny reference: byte flips, a truncation, an edited
// header number or an edited header length.
std::vector<char> mutated_reference(std::mt19937& random) {
  std::vector<char> bytes = reference_bytes();
  uint64_t header = 0;
  std::memcpy(&header, bytes.data(), 8);
  const size_t header_end = 8 + header;
  switch (random() % 5) {
    case 0:  // flips in the header
      for (int flip = 0; flip < 1 + static_cast<int>(random() % 4); ++flip) {
        bytes[8 + random() % header] ^= static_cast<char>(1 << (random() % 8));
      }
      break;
    case 1:  // flips in the data (inf and NaN floats among them)
      for (int flip = 0; flip < 1 + static_cast<int>(random() % 8); ++flip) {
        bytes[header_end + random() % (bytes.size() - header_end)] ^= static_cast<char>(0xff);
      }
      break;
    case 2:  // truncation
      bytes.resize(random() % bytes.size());
      break;
    case 3: {  // a number of the header replaced
      static const char* const kNumbers[] = {"-1", "0", "1e300", "4294967360", "18446744073709551615", "1e39",
                                             "\"x\"", "null", "[]", "-1e-9", "99999999999"};
      std::string text(bytes.begin() + 8, bytes.begin() + static_cast<long>(header_end));
      size_t at = text.find_first_of("0123456789", random() % text.size());
      if (at == std::string::npos) at = text.find_first_of("0123456789");
      const size_t end = text.find_first_not_of("0123456789.e-", at);
      text.replace(at, end - at, kNumbers[random() % std::size(kNumbers)]);
      std::vector<char> rebuilt(8);
      const uint64_t length = text.size();
      std::memcpy(rebuilt.data(), &length, 8);
      rebuilt.insert(rebuilt.end(), text.begin(), text.end());
      rebuilt.insert(rebuilt.end(), bytes.begin() + static_cast<long>(header_end), bytes.end());
      bytes = std::move(rebuilt);
      break;
    }
    default: {  // the header length
      const uint64_t lengths[] = {0, 1, header - 1, header + 1, uint64_t{1} << 40, ~uint64_t{0}, bytes.size()};
      std::memcpy(bytes.data(), &lengths[random() % std::size(lengths)], 8);
    }
  }
  return bytes;
}

void fuzz_safetensors(uint32_t seed, int runs) {
  Tally tally("safetensors seed " + std::to_string(seed));
  std::mt19937 random(seed);
  const std::string path = temp_path("fuzz_" + std::to_string(seed) + ".safetensors");
  for (int idx = 0; idx < runs; ++idx) {
    const std::vector<char> bytes = mutated_reference(random);
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    tally.run("verify --reference " + path);
  }
}

}  // namespace

// 4 x 60 command lines and 2 x 60 files: ctest runs the shards in parallel.
TEST(Fuzz, CommandLines0) { fuzz_command_lines(1401, 60); }
TEST(Fuzz, CommandLines1) { fuzz_command_lines(1402, 60); }
TEST(Fuzz, CommandLines2) { fuzz_command_lines(1403, 60); }
TEST(Fuzz, CommandLines3) { fuzz_command_lines(1404, 60); }
TEST(Fuzz, SafetensorsFiles0) { fuzz_safetensors(1411, 60); }
TEST(Fuzz, SafetensorsFiles1) { fuzz_safetensors(1412, 60); }

// A handful under mpirun -np 2: a refusal agreed on by both ranks, one line.
TEST(Fuzz, UnderMpirun) {
  Tally tally("mpirun -np 2");
  const std::string mpirun = std::string(PARATRAIN_MPIEXEC) + " --allow-run-as-root --oversubscribe -q -np 2 ";
  const std::string dir = testing::process_temp_dir();
  for (const std::string& args : {std::string("train ") + kTiny + " --steps 1 --dp 2 --data " + dir,
                                  std::string("train ") + kTiny + " --steps 1 --dp 2 --data /dev/zero",
                                  std::string("train ") + kTiny + " --steps 1 --pp 2 --trace /dev/full",
                                  std::string("train ") + kTiny + " --steps 1 --dp 2 --micro-batch ''",
                                  std::string("bench ") + kTiny + " --steps 1 --tp 2 --lr inf",
                                  std::string("verify --reference /dev/zero --dp 2"),
                                  "verify --reference " + kReference + " --tp 2 --threads 100000"}) {
    tally.run(args, mpirun);
  }
}

}  // namespace paratrain
