// sweep --hosts/--link-rate/--placement planned in-process, and the report's
// link-rate observations computed from hand-made records.
#include <gtest/gtest.h>

#include <set>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "report/host_runs.h"
#include "sweep/host_cluster.h"
#include "sweep/host_plan.h"
#include "sweep/launch.h"
#include "sweep/plan.h"
#include "sweep/study_plan.h"

namespace paratrain {

namespace {

std::vector<SweepPoint> tiny_points() {
  SweepSpec spec;
  spec.base.vocab_size = 64, spec.base.seq_len = 16, spec.base.d_model = 32;
  spec.base.n_heads = 4, spec.base.n_layers = 4, spec.base.batch_size = 8;
  for (const char* name : {"dp2", "dp2xtp2"}) spec.strategies.push_back(parse_strategy(name));
  return plan_sweep(spec);
}

}  // namespace

TEST(HostSweep, EveryPointAtEveryRateWithSpreadOnlyWhereItDiffers) {
  HostSweepSpec spec{2, {"100mbit", "unshaped"}, {RankPlacement::kPacked, RankPlacement::kSpread}};
  check_host_sweep(spec);
  const auto points = spread_over_hosts(tiny_points(), spec);
  // Per rate: dp2 packed, dp2xtp2 packed, dp2xtp2 spread.
  ASSERT_EQ(points.size(), 6u);
  EXPECT_EQ(points[0].hosts.link_rate, "100mbit");
  EXPECT_EQ(points[3].hosts.link_rate, "unshaped");
  EXPECT_EQ(points[2].strategy.name, "dp2xtp2");
  EXPECT_EQ(points[2].hosts.placement, RankPlacement::kSpread);
  // Each rate and placement is its own point and measurement.
  EXPECT_NE(points[1].key(), points[2].key());
  EXPECT_NE(points[0].measurement_key(), points[3].measurement_key());
  EXPECT_NE(points[0].key().find("|hosts=2,link=100mbit,placement=packed"), std::string::npos);
  // Launched through hosts.sh; spread deals ranks round-robin.
  const auto command = launch_command(points[2], LaunchSettings{"paratrain", 0, ""});
  ASSERT_GE(command.size(), 9u);
  EXPECT_EQ(command[2], "mpirun");
  EXPECT_EQ(command[4], "4");
  EXPECT_EQ(command[5], "--map-by");
  EXPECT_EQ(command[7], "paratrain");
  nlohmann::json record;
  write_host_label(host_label(points[2].hosts), record);
  EXPECT_EQ(record["hosts"], 2);
  EXPECT_EQ(record["link_rate"], "100mbit");
  EXPECT_EQ(record["placement"], "spread");
}

TEST(HostSweep, LocalPointsAreUnchangedAndRecordOneHost) {
  const auto local = tiny_points();
  const auto points = spread_over_hosts(local, HostSweepSpec{});
  ASSERT_EQ(points.size(), local.size());
  EXPECT_EQ(points[0].key(), local[0].key());
  EXPECT_EQ(points[0].key().find("hosts="), std::string::npos);
  EXPECT_EQ(launch_command(points[0], LaunchSettings{"paratrain", 0, ""})[0], "mpirun");
  nlohmann::json record;
  write_host_label(host_label(points[0].hosts), record);
  EXPECT_EQ(record["hosts"], 1);
  EXPECT_EQ(record["link_rate"], "unshaped");
}

TEST(StudyHosts, BasePointOfEachMainStrategyAtEveryRateWithBothPlacementsOfDpTp) {
  const auto points = study_host_points(2, 3, 2, study_default_link_rates());
  // Per rate and repeat: dp2, pp2-1f1b, tp2, dp2xtp2 packed, dp2xtp2 spread.
  ASSERT_EQ(points.size(), 3u * 3u * 5u);
  std::set<std::string> keys;
  for (const SweepPoint& point : points) {
    EXPECT_EQ(point.hosts.hosts, 2);
    EXPECT_EQ(point.model.batch_size, 16);  // the study's base point, no axis varied
    EXPECT_EQ(point.model.seq_len, 128);
    if (point.hosts.placement == RankPlacement::kSpread) {
      EXPECT_EQ(point.strategy.name, "dp2xtp2");
    }
    keys.insert(point.key());
  }
  EXPECT_EQ(keys.size(), points.size());  // every rate, placement and repeat its own job
  EXPECT_EQ(points.front().hosts.link_rate, "100mbit");
  EXPECT_EQ(points.back().hosts.link_rate, "unshaped");
  EXPECT_TRUE(study_host_points(2, 3, 1, study_default_link_rates()).empty());
  EXPECT_THROW(study_host_points(2, 3, 2, {"fast"}), UsageError);
}

TEST(HostSweep, BadFlagsAreRefused) {
  EXPECT_THROW(check_host_sweep(HostSweepSpec{0, {"unshaped"}, {RankPlacement::kPacked}}), UsageError);
  EXPECT_THROW(check_host_sweep(HostSweepSpec{2, {"fast"}, {RankPlacement::kPacked}}), UsageError);
  EXPECT_THROW(check_host_sweep(HostSweepSpec{2, {"0mbit"}, {RankPlacement::kPacked}}), UsageError);
  EXPECT_THROW(check_host_sweep(HostSweepSpec{2, {"1gbit", "1gbit"}, {RankPlacement::kPacked}}), UsageError);
  EXPECT_THROW(check_host_sweep(HostSweepSpec{1, {"1gbit"}, {RankPlacement::kPacked}}), UsageError);
  EXPECT_THROW(check_host_sweep(HostSweepSpec{1, {"unshaped"}, {RankPlacement::kSpread}}), UsageError);
  EXPECT_THROW(parse_rank_placement("scattered"), UsageError);
  EXPECT_DOUBLE_EQ(link_rate_bits_per_s("100mbit"), 1e8);
  EXPECT_DOUBLE_EQ(link_rate_bits_per_s("unshaped"), 0);
}

namespace {

report::MeasuredRun host_run(const std::string& strategy, int tp, const std::string& placement,
                             const std::string& rate, double tokens) {
  report::MeasuredRun run;
  run.point.strategy = strategy;
  run.layout.grid.dp = strategy == "tp2" ? 1 : 2;
  run.layout.grid.tp = tp;
  run.hosts = HostLabel{2, rate, placement};
  run.tokens_per_s = tokens;
  return run;
}

}  // namespace

TEST(HostReport, WinnersCrossoversAndPlacementComputedFromTheRuns) {
  report::Results results;
  // tp2 wins at 100mbit, dp2 from 1gbit on: one crossover.
  results.host_runs = {host_run("dp2", 1, "packed", "1gbit", 900), host_run("tp2", 2, "packed", "1gbit", 600),
                       host_run("dp2", 1, "packed", "100mbit", 300), host_run("tp2", 2, "packed", "100mbit", 400),
                       host_run("dp2xtp2", 2, "packed", "100mbit", 350),
                       host_run("dp2xtp2", 2, "spread", "100mbit", 100),
                       host_run("dp2", 1, "packed", "unshaped", 1000), host_run("tp2", 2, "packed", "unshaped", 700)};
  EXPECT_EQ(report::link_rates_in(results.host_runs), (std::vector<std::string>{"100mbit", "1gbit", "unshaped"}));
  const auto section = report::link_rate_observations(results);
  std::string all;
  for (const auto& line : section.lines) all += line + "\n";
  EXPECT_NE(all.find("At 100mbit: **tp2** leads"), std::string::npos) << all;
  EXPECT_NE(all.find("At 1gbit: **dp2** leads"), std::string::npos) << all;
  EXPECT_NE(all.find("Crossover between 100mbit and 1gbit: dp2 overtakes tp2."), std::string::npos) << all;
  EXPECT_EQ(all.find("Crossover between 1gbit and unshaped"), std::string::npos) << all;
  EXPECT_NE(all.find("At 100mbit, dp2xtp2 with tp inside a host runs 3.50x the tokens/s of tp across hosts."),
            std::string::npos)
      << all;
  const auto plan = report::link_rate_figure(results);
  ASSERT_FALSE(plan.skipped());
  const auto& figure = std::get<report::LineFigure>(plan.data);
  ASSERT_EQ(figure.series.size(), 4u);  // dp2, tp2, dp2xtp2 inside, dp2xtp2 across
  EXPECT_EQ(figure.series[0].title, "dp2");
  ASSERT_EQ(figure.series[0].points.size(), 3u);
  EXPECT_DOUBLE_EQ(figure.series[0].points[0].x, 0.1);   // 100mbit in Gbit/s
  EXPECT_DOUBLE_EQ(figure.series[0].points[2].x, 2.0);   // unshaped: twice the fastest shaped rate
  EXPECT_DOUBLE_EQ(figure.series[0].points[2].y, 1000);
}

// A rate where the leaders tie does not hide a crossover: the lead changes
// hands between the nearest rates with a clear leader, and the tie is named.
TEST(HostReport, CrossoverThroughARateWhereTheLeadersTie) {
  report::Results results;
  results.host_runs = {host_run("pp2-1f1b", 1, "packed", "100mbit", 500), host_run("dp2", 1, "packed", "100mbit", 300),
                       host_run("pp2-1f1b", 1, "packed", "1gbit", 700),   host_run("dp2", 1, "packed", "1gbit", 600),
                       host_run("pp2-1f1b", 1, "packed", "10gbit", 800),  host_run("dp2", 1, "packed", "10gbit", 800),
                       host_run("pp2-1f1b", 1, "packed", "unshaped", 700), host_run("dp2", 1, "packed", "unshaped", 1000)};
  std::string all;
  for (const auto& line : report::link_rate_observations(results).lines) all += line + "\n";
  EXPECT_NE(all.find("At 10gbit: no clear leader"), std::string::npos) << all;
  EXPECT_NE(all.find("Crossover between 1gbit and unshaped: dp2 overtakes pp2-1f1b (tied within noise at 10gbit)."),
            std::string::npos)
      << all;
  EXPECT_EQ(all.find("No crossover"), std::string::npos) << all;
}

// The planner's prediction beside each measurement, except where the
// placement is one the planner does not model (tp across hosts).
TEST(HostReport, PredictionsBesideTheMeasurementsOfPackedPlacements) {
  report::Results results;
  results.host_runs = {host_run("dp2", 1, "packed", "100mbit", 300), host_run("dp2xtp2", 2, "packed", "100mbit", 400),
                       host_run("dp2xtp2", 2, "spread", "100mbit", 100)};
  for (auto& run : results.host_runs) {
    run.predicted = PredictionRecord{};
    run.predicted->tokens_per_s = 1.5 * run.tokens_per_s;
  }
  std::string all;
  for (const auto& line : report::link_rate_observations(results).lines) all += line + "\n";
  EXPECT_NE(all.find("dp2 300 tok/s (0.75x), predicted 450 (+50%)"), std::string::npos) << all;
  EXPECT_NE(all.find("dp2xtp2 (tp inside a host) 400 tok/s (1.00x), predicted 600 (+50%)"), std::string::npos) << all;
  EXPECT_EQ(all.find("predicted 150"), std::string::npos) << all;
}

// A point across hosts is priced on this machine's device over the shaped link.
TEST(HostCluster, NodesAreTheHostsJoinedByTheShapedLink) {
  ClusterDescription machine;
  machine.name = "this machine";
  machine.devices_per_node = 2;
  machine.intra_node = {2e-6, 5e9};
  machine.inter_node = machine.intra_node;
  HostPlacement hosts;
  hosts.hosts = 2;
  hosts.link_rate = "100mbit";
  const ClusterDescription two = host_cluster(machine, hosts, 4, 4);
  EXPECT_EQ(two.nodes, 2);
  EXPECT_EQ(two.devices_per_node, 2);
  EXPECT_DOUBLE_EQ(two.inter_node.bandwidth_bytes_per_s, 100e6 / 8);
  EXPECT_DOUBLE_EQ(two.inter_node.latency_s, kNamespaceLatencyS);
  EXPECT_DOUBLE_EQ(two.intra_node.bandwidth_bytes_per_s, 5e9);  // ranks of one host still share memory
  EXPECT_EQ(two.inter_node_link_shared_by, 2);                    // and one veth
  EXPECT_EQ(host_cluster(machine, hosts, 2, 4).devices_per_node, 1);
  hosts.link_rate = "unshaped";
  EXPECT_DOUBLE_EQ(host_cluster(machine, hosts, 2, 4).inter_node.bandwidth_bytes_per_s, 5e9);
}

// Hosts on one machine time-share its cores: 4 ranks on 2 cores get half of
// every measured rate each; as many ranks as cores keep them whole.
TEST(HostCluster, RanksBeyondTheCoresTimeShareTheDevice) {
  ClusterDescription machine;
  machine.intra_node = {2e-6, 5e9};
  machine.inter_node = machine.intra_node;
  machine.device.peak_flops_per_s[0] = 100e9;
  machine.device.memory_bandwidth_bytes_per_s = 10e9;
  machine.device.gemm_rates[0] = {GemmRate{64, 64, 64, 80e9}};
  machine.device.attention_flops_per_s[0] = {{128, 40e9}};
  machine.device.vector_bytes_per_s.fill(8e9);
  HostPlacement hosts;
  hosts.hosts = 2;
  hosts.link_rate = "1gbit";
  const ClusterDescription shared = host_cluster(machine, hosts, 4, 2);
  EXPECT_DOUBLE_EQ(shared.device.peak_flops_per_s[0], 50e9);
  EXPECT_DOUBLE_EQ(shared.device.memory_bandwidth_bytes_per_s, 5e9);
  EXPECT_DOUBLE_EQ(shared.device.gemm_rates[0][0].flops_per_s, 40e9);
  EXPECT_DOUBLE_EQ(shared.device.attention_flops_per_s[0][0].second, 20e9);
  EXPECT_DOUBLE_EQ(shared.device.vector_bytes_per_s[2], 4e9);
  const ClusterDescription whole = host_cluster(machine, hosts, 2, 2);
  EXPECT_DOUBLE_EQ(whole.device.gemm_rates[0][0].flops_per_s, 80e9);
  EXPECT_DOUBLE_EQ(whole.device.peak_flops_per_s[0], 100e9);
}

}  // namespace paratrain
