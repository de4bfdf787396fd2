// Across hosts (scripts/hosts.sh): layouts train over TCP between network
// namespaces exactly as on one host, a host losing its link or a rank killed
// on another host ends the job within a minute, and `down` leaves nothing.
// Needs root and network namespaces (as CI has); each test process uses its
// own namespace names, subnet and state folder.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "../cli/run_command.h"
#include "../tiny_model.h"

namespace paratrain {

using testing::CommandResult;
using testing::run_command;

namespace {

const std::string& kConfig = testing::kTinyModel;
constexpr int kSteps = 5;
constexpr double kFailureLimitS = 60;

// A /24 under 10.213 that no interface on this machine uses, chosen from the pid.
std::string free_subnet() {
  const std::string used = run_command("ip -o -4 addr show").output;
  for (int attempt = 0; attempt < 200; ++attempt) {
    const std::string subnet = "10.213." + std::to_string(20 + (getpid() + attempt) % 200);
    if (used.find(" " + subnet + ".") == std::string::npos) return subnet;
  }
  return "";
}

struct Hosts {
  std::string prefix, subnet, state_dir;

  // The environment that points hosts.sh at this test's hosts.
  std::string env() const {
    return "PARATRAIN_HOSTS_PREFIX=" + prefix + " PARATRAIN_HOSTS_SUBNET=" + subnet +
           " PARATRAIN_HOSTS_DIR=" + state_dir + " PARATRAIN_HOSTS_LINK_TIMEOUT=20 ";
  }
  CommandResult script(const std::string& arguments) const {
    return run_command(env() + "bash " PARATRAIN_HOSTS_SCRIPT " " + arguments);
  }
  std::string netns(int host) const { return prefix + "h" + std::to_string(host); }
  std::string address(int host) const { return subnet + "." + std::to_string(host + 1); }
};

const Hosts& hosts() {
  static const Hosts made = [] {
    const std::string id = std::to_string(getpid() % 100000);
    return Hosts{"t" + id, free_subnet(), std::string(::testing::TempDir()) + "paratrain_hosts_" + id};
  }();
  return made;
}

double seconds_since(std::chrono::steady_clock::time_point begin) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
}

// Processes still running inside any of this test's namespaces.
std::string processes_left() {
  return run_command("for ns in $(ip netns list | awk '{print $1}' | grep -E '^" + hosts().prefix +
                     "h[0-9]+$'); do ip netns pids $ns; done")
      .output;
}

class AcrossHosts : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_FALSE(hosts().subnet.empty()) << "no free 10.213.x.0/24";
    const CommandResult up = hosts().script("up 2");
    ASSERT_EQ(up.exit_code, 0) << up.output;
  }
  static void TearDownTestSuite() { hosts().script("down"); }
};

std::vector<double> train_losses(const std::string& launcher, int ranks, const std::string& layout) {
  const CommandResult result = run_command(launcher + " -np " + std::to_string(ranks) + " " PARATRAIN_BINARY
                                           " train " + kConfig + " " + layout + " --steps " +
                                           std::to_string(kSteps));
  EXPECT_EQ(result.exit_code, 0) << launcher << " " << layout << "\n" << result.output;
  const std::vector<double> losses = testing::losses_of(result.output);
  EXPECT_EQ(losses.size(), size_t(kSteps)) << result.output;
  return losses;
}

// The same layout on one host (shared memory) and across two hosts (TCP):
// the same per-step losses, to distributed_test's tolerance.
void expect_same_across_hosts(int ranks, const std::string& layout) {
  const std::vector<double> local =
      train_losses(std::string(PARATRAIN_MPIEXEC) + " --allow-run-as-root --oversubscribe -q", ranks, layout);
  const std::vector<double> across =
      train_losses(hosts().env() + "bash " PARATRAIN_HOSTS_SCRIPT " mpirun -q", ranks, layout);
  ASSERT_EQ(local.size(), across.size()) << layout;
  for (size_t step = 0; step < local.size(); ++step) {
    EXPECT_NEAR(across[step], local[step], 2e-5 * local[step]) << layout << " step " << step;
  }
  EXPECT_EQ(processes_left(), "");
}

}  // namespace

TEST_F(AcrossHosts, RanksRunInSeparateNamespacesOverTcp) {
  // Each rank sees only its own host's address: the two ranks are not on one network stack.
  const CommandResult result = hosts().script("mpirun -np 2 sh -c 'ip -o -4 addr show eth0'");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find(hosts().address(0) + "/24"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find(hosts().address(1) + "/24"), std::string::npos) << result.output;
}

TEST_F(AcrossHosts, DataParallelTrainsAsOnOneHost) { expect_same_across_hosts(2, "--dp 2"); }

TEST_F(AcrossHosts, Pipeline1F1BTrainsAsOnOneHost) {
  expect_same_across_hosts(2, "--pp 2 --micro-batch 1 --schedule 1f1b");
}

TEST_F(AcrossHosts, TensorParallelTrainsAsOnOneHost) { expect_same_across_hosts(2, "--tp 2"); }

TEST_F(AcrossHosts, AHostLosingItsLinkEndsTheJob) {
  // Host 1's link goes down 3 s into a long run.
  const auto begin = std::chrono::steady_clock::now();
  // (braces: run_command's 2>&1 then applies to the whole line)
  const CommandResult result = run_command(
      "{ (sleep 3; " + hosts().env() + "bash " PARATRAIN_HOSTS_SCRIPT " link 1 down) & " + hosts().env() +
      "bash " PARATRAIN_HOSTS_SCRIPT " mpirun -np 2 " PARATRAIN_BINARY " train " + kConfig +
      " --dp 2 --steps 1000000; status=$?; wait; exit $status; }");
  const double seconds = seconds_since(begin);
  hosts().script("link 1 up");
  EXPECT_NE(result.exit_code, 0) << result.output;
  EXPECT_LT(seconds, 3 + kFailureLimitS) << result.output;
  // The message names the host that failed.
  EXPECT_TRUE(result.output.find(hosts().address(1)) != std::string::npos ||
              result.output.find(hosts().netns(1)) != std::string::npos)
      << result.output;
  EXPECT_EQ(processes_left(), "");
}

TEST_F(AcrossHosts, ARankKilledOnAnotherHostEndsTheJob) {
  // Rank 1 runs on host 1 and is killed (SIGKILL) at step 3.
  const auto begin = std::chrono::steady_clock::now();
  const CommandResult result = hosts().script("mpirun -np 2 -x PARATRAIN_INJECT_FAULT=1:3:kill " PARATRAIN_BINARY
                                              " train " + kConfig + " --dp 2 --steps 1000000");
  const double seconds = seconds_since(begin);
  EXPECT_NE(result.exit_code, 0) << result.output;
  EXPECT_LT(seconds, kFailureLimitS) << result.output;
  EXPECT_NE(result.output.find("rank 1"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("signal 9"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find(hosts().address(1)), std::string::npos) << result.output;
  EXPECT_EQ(processes_left(), "");
}

// Its own hosts (another prefix), so that taking them down does not disturb the suite's.
TEST(HostsScript, DownLeavesNoNamespaceLinkOrProcess) {
  Hosts own = hosts();
  own.prefix += "d";
  own.state_dir += "_down";
  ASSERT_EQ(own.script("up 2 --rate 100mbit").exit_code, 0);
  // Up again over what is up (as after a crash): it starts clean.
  const CommandResult again = own.script("up 2 --rate 1gbit");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(run_command("tc qdisc show dev " + own.prefix + "v1").output.find("rate 1Gbit"), std::string::npos);
  // A process left running on a host, as a crashed job would leave it.
  const CommandResult started =
      run_command("ip netns exec " + own.netns(1) + " sleep 600 >/dev/null 2>&1 & echo $!");
  const std::string sleeper = started.output.substr(0, started.output.find('\n'));
  // `ip netns exec` enters the namespace after the fork returns its pid, so
  // wait (bounded) until the namespace lists it.
  bool listed = false;
  for (int attempt = 0; attempt < 100 && !listed; ++attempt) {
    listed = run_command("ip netns pids " + own.netns(1)).output.find(sleeper) != std::string::npos;
    if (!listed) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(listed) << "process " << sleeper << " never appeared in " << own.netns(1);
  const CommandResult down = own.script("down");
  EXPECT_EQ(down.exit_code, 0) << down.output;
  const std::string names = run_command("ip netns list; ip -o link show").output;
  EXPECT_EQ(names.find(own.prefix + "h"), std::string::npos) << names;
  EXPECT_EQ(names.find(own.prefix + "v"), std::string::npos) << names;
  EXPECT_EQ(names.find(own.prefix + "br"), std::string::npos) << names;
  EXPECT_EQ(run_command("ip -o -4 addr show").output.find(" " + own.subnet + "."), std::string::npos);
  // Gone, not even a zombie.
  const std::string state = run_command("awk '{print $3}' /proc/" + sleeper + "/stat 2>/dev/null").output;
  EXPECT_TRUE(state.empty() || state[0] == 'Z') << "process " << sleeper << " still " << state;
  EXPECT_FALSE(std::filesystem::exists(own.state_dir));
  // And down again is harmless.
  EXPECT_EQ(own.script("down").exit_code, 0);
}

// The study asks `check` whether to add its across-hosts section: as root
// with namespaces it says yes and leaves no namespace behind.
TEST(HostsScript, CheckSaysNamespacesWorkAndLeavesNothing) {
  Hosts own = hosts();
  own.prefix += "c";
  const CommandResult check = own.script("check");
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_NE(check.output.find("network namespaces work here"), std::string::npos) << check.output;
  EXPECT_EQ(run_command("ip netns list").output.find(own.prefix + "chk"), std::string::npos);
}

// sweep --hosts: each point across the hosts at each rate, the record says
// where it ran, the report draws it; a point that fails is recorded and the
// sweep goes on. Its own hosts (the sweep brings them up and down).
TEST(HostsSweep, RecordsHostsAndRateAndGoesOnAfterAFailedPoint) {
  Hosts own = hosts();
  own.prefix += "s";
  own.state_dir += "_sweep";
  const std::string dir = std::string(::testing::TempDir()) + "paratrain_hosts_sweep_" + own.prefix;
  std::filesystem::remove_all(dir);
  const std::string sweep = own.env() + PARATRAIN_BINARY " sweep --vocab-size 64 --seq-len 16 --d-model 32 "
                            "--n-heads 4 --n-layers 4 --batch-size 8 --warmup 0 --steps 1 --peak-gflops 100 "
                            "--strategies dp2 --hosts 2 --link-rate 100mbit,unshaped ";
  // Rank 1 (on host 1) is killed in every point: both are recorded as failed.
  const CommandResult failing =
      run_command("PARATRAIN_INJECT_FAULT=1:0:kill " + sweep + "--out " + dir + "/failed.jsonl");
  EXPECT_EQ(failing.exit_code, 0) << failing.output;
  const CommandResult ok = run_command(sweep + "--out " + dir + "/results.jsonl");
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  const auto records = [](const std::string& path) {
    std::vector<nlohmann::json> lines;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
    return lines;
  };
  const auto failed = records(dir + "/failed.jsonl");
  ASSERT_EQ(failed.size(), 2u) << failing.output;
  for (const auto& record : failed) {
    EXPECT_EQ(record["status"], "failed");
    EXPECT_NE(record["error"].get<std::string>().find("rank 1"), std::string::npos) << record.dump();
  }
  const auto measured = records(dir + "/results.jsonl");
  ASSERT_EQ(measured.size(), 2u);
  EXPECT_EQ(measured[0]["status"], "ok");
  EXPECT_EQ(measured[0]["hosts"], 2);
  EXPECT_EQ(measured[0]["link_rate"], "100mbit");
  EXPECT_EQ(measured[1]["link_rate"], "unshaped");
  // The sweep took its hosts down.
  EXPECT_EQ(run_command("ip netns list").output.find(own.prefix + "h"), std::string::npos);
  const CommandResult report = run_command(std::string(PARATRAIN_BINARY) + " report " + dir + "/results.jsonl --out " + dir + "/report");
  ASSERT_EQ(report.exit_code, 0) << report.output;
  EXPECT_TRUE(std::filesystem::exists(dir + "/report/tokens_vs_link_rate.png"));
  std::ifstream markdown(dir + "/report/report.md");
  const std::string text((std::istreambuf_iterator<char>(markdown)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("At 100mbit: **dp2** leads"), std::string::npos) << text;
}

TEST(HostsScript, RefusesBadInputWithOneLine) {
  for (const char* arguments : {"up 0", "up 2 --rate fast", "sideways", "mpirun -np 2 true"}) {
    // The last: an all-reduce choice the wrapper does not know.
    const CommandResult result =
        run_command("PARATRAIN_HOSTS_ALLREDUCE=ring " + hosts().env() + "bash " PARATRAIN_HOSTS_SCRIPT " " + arguments);
    EXPECT_EQ(result.exit_code, 2) << arguments << "\n" << result.output;
    EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1) << result.output;
  }
}

}  // namespace paratrain
