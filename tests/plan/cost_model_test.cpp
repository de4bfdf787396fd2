// Issue 12: the planner's cost model. Each collective against its closed
// form, the links a group crosses, the units' FLOPs against MODEL.md's
// count, and the predicted step against a 1F1B schedule worked out by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "core/json_fields.h"
#include "parallel/schedule.h"
#include "plan/collective_cost.h"
#include "plan/machine_calibration.h"
#include "plan/step_prediction.h"
#include "plan/unit_work.h"

namespace paratrain {

namespace {

ClusterDescription two_node_cluster() {
  ClusterDescription cluster;
  cluster.name = "test";
  cluster.devices_per_node = 4;
  cluster.nodes = 2;
  cluster.device.peak_flops_per_s[0] = 1e12;
  cluster.device.memory_bytes = 1e9;
  cluster.device.memory_bandwidth_bytes_per_s = 1e11;
  cluster.device.gemm_efficiency = 0.5;
  cluster.intra_node = {1e-6, 100e9};
  cluster.inter_node = {5e-6, 10e9};
  return cluster;
}

}  // namespace

TEST(CollectiveCost, PointToPointIsLatencyPlusSizeOverBandwidth) {
  const LinkCost link{2e-6, 1e9};
  EXPECT_DOUBLE_EQ(point_to_point_seconds(link, 0), 2e-6);
  EXPECT_DOUBLE_EQ(point_to_point_seconds(link, 1e6), 2e-6 + 1e-3);
}

TEST(CollectiveCost, RingCollectivesMatchTheirClosedForms) {
  const LinkCost link{3e-6, 4e9};
  const double bytes = 64e6;
  for (int ranks : {2, 3, 4, 8, 64}) {
    const double step = link.latency_s + bytes / (ranks * link.bandwidth_bytes_per_s);
    EXPECT_DOUBLE_EQ(collective_seconds(Collective::kAllReduce, link, ranks, bytes), 2.0 * (ranks - 1) * step);
    EXPECT_DOUBLE_EQ(collective_seconds(Collective::kAllGather, link, ranks, bytes), (ranks - 1) * step);
    EXPECT_DOUBLE_EQ(collective_seconds(Collective::kReduceScatter, link, ranks, bytes), (ranks - 1) * step);
  }
  // Two ranks: the all-reduce is two latencies and the whole buffer once.
  EXPECT_DOUBLE_EQ(collective_seconds(Collective::kAllReduce, link, 2, bytes),
                   2 * link.latency_s + bytes / link.bandwidth_bytes_per_s);
  for (Collective collective : {Collective::kAllReduce, Collective::kAllGather, Collective::kReduceScatter}) {
    EXPECT_EQ(collective_seconds(collective, link, 1, bytes), 0.0);
  }
}

// A calibrated link prices a collective from its measured two-rank times:
// log-log between the points, at the largest point's bandwidth beyond it,
// and n ranks as n - 1 ring steps of a two-rank collective of 2 S / n bytes.
TEST(CollectiveCost, MeasuredTwoRankTimesPriceTheCollectiveOnACalibratedLink) {
  LinkCost link{1e-6, 1e9};
  link.measured_two_rank_s[static_cast<int>(Collective::kAllGather)] = {{1e3, 1e-5}, {1e6, 1e-3}};
  const auto all_gather = [&](int ranks, double bytes) {
    return collective_seconds(Collective::kAllGather, link, ranks, bytes);
  };
  EXPECT_DOUBLE_EQ(all_gather(2, 1e6), 1e-3);
  EXPECT_DOUBLE_EQ(all_gather(2, 1e3), 1e-5);
  EXPECT_NEAR(all_gather(2, 1e3 * std::pow(10.0, 1.5)), 1e-4, 1e-12);  // slope 2/3 in log-log
  EXPECT_DOUBLE_EQ(all_gather(2, 4e6), 4e-3);
  EXPECT_DOUBLE_EQ(all_gather(2, 10), 1e-5);
  EXPECT_DOUBLE_EQ(all_gather(4, 2e6), 3 * 1e-3);
  EXPECT_EQ(all_gather(1, 1e6), 0.0);
  // The collectives without a table keep their closed form.
  EXPECT_DOUBLE_EQ(collective_seconds(Collective::kReduceScatter, link, 2, 1e6), 1e-6 + 1e6 / 2e9);
}

TEST(CollectiveCost, GroupsWithinANodeUseNvlinkAcrossNodesTheNetwork) {
  const ClusterDescription cluster = two_node_cluster();
  EXPECT_EQ(&group_link(cluster, {0, 1, 2, 3}), &cluster.intra_node);
  EXPECT_EQ(&group_link(cluster, {4, 7}), &cluster.intra_node);
  EXPECT_EQ(&group_link(cluster, {3, 4}), &cluster.inter_node);
  // tp fastest: a tp4 group sits on one node; its dp group (stride 4) spans both.
  const GridShape grid{2, 1, 4};
  EXPECT_EQ(axis_link(cluster, grid, 5, Axis::kTensor).bandwidth_bytes_per_s, cluster.intra_node.bandwidth_bytes_per_s);
  EXPECT_EQ(axis_link(cluster, grid, 5, Axis::kData).bandwidth_bytes_per_s, cluster.inter_node.bandwidth_bytes_per_s);
}

// Namespace hosts: one veth per host. dp2 x tp2 with tp inside a host puts
// both of a host's ranks in dp groups that cross, so each gets half the link;
// dp2 alone (one rank per host) gets all of it.
TEST(CollectiveCost, GroupsCrossingFromOneNodeShareItsLink) {
  ClusterDescription cluster = two_node_cluster();
  cluster.devices_per_node = 2;
  cluster.nodes = 2;
  cluster.inter_node_link_shared_by = 2;
  const double rate = cluster.inter_node.bandwidth_bytes_per_s;
  const GridShape dp2_tp2{2, 1, 2};
  for (int rank = 0; rank < 4; ++rank) {
    EXPECT_DOUBLE_EQ(axis_link(cluster, dp2_tp2, rank, Axis::kData).bandwidth_bytes_per_s, rate / 2);
    EXPECT_EQ(axis_link(cluster, dp2_tp2, rank, Axis::kTensor).bandwidth_bytes_per_s,
              cluster.intra_node.bandwidth_bytes_per_s);
  }
  cluster.devices_per_node = 1;
  const GridShape dp2{2, 1, 1};
  EXPECT_DOUBLE_EQ(axis_link(cluster, dp2, 0, Axis::kData).bandwidth_bytes_per_s, rate);
  // A NIC per device (the default, as the shipped GPU systems): no split.
  cluster.devices_per_node = 2;
  cluster.inter_node_link_shared_by = 1;
  EXPECT_DOUBLE_EQ(axis_link(cluster, dp2_tp2, 0, Axis::kData).bandwidth_bytes_per_s, rate);
}

// The link is fitted to the exchange times (both directions busy), not the one-way ones.
TEST(Calibration, LinkFitRecoversLatencyAndBandwidthOfTheExchange) {
  std::vector<MessageTime> times;
  for (double bytes = 8; bytes <= 64e6; bytes *= 8) {
    times.push_back({bytes, 1e-6 + bytes / 9e9, 3e-6 + bytes / 7e9});
  }
  const LinkCost link = fit_link(times);
  EXPECT_NEAR(link.latency_s, 3e-6, 1e-9);
  EXPECT_NEAR(link.bandwidth_bytes_per_s, 7e9, 7e9 * 1e-6);
}

TEST(UnitWork, ForwardAndBackwardFlopsAreMODELmdsCount) {
  ModelConfig model;  // the baseline
  const ShardShape shard{2, 1, false};
  double flops = 0;
  for (int unit = 0; unit <= model.n_layers + 1; ++unit) {
    for (Pass pass : {Pass::kForward, Pass::kBackward}) {
      const UnitWork work = unit_work(model, unit, shard, pass);
      for (const GemmWork& gemm : work.gemms) flops += gemm.flops();
      flops += work.attention_flops;
    }
  }
  const double tokens = 2.0 * model.seq_len;
  EXPECT_NEAR(flops / tokens, model.flops_per_token(), 1e-6 * model.flops_per_token());
}

TEST(UnitWork, TensorParallelShardsSplitTheFlopsAndAddTheCollectives) {
  ModelConfig model;
  const UnitWork whole = block_work(model, {1, 1, false}, Pass::kForward);
  const UnitWork half = block_work(model, {1, 2, false}, Pass::kForward);
  auto gemm_flops = [](const UnitWork& work) {
    double sum = 0;
    for (const GemmWork& gemm : work.gemms) sum += gemm.flops();
    return sum;
  };
  EXPECT_DOUBLE_EQ(gemm_flops(half), gemm_flops(whole) / 2);
  EXPECT_TRUE(whole.tp_collectives.empty());
  ASSERT_EQ(half.tp_collectives.size(), 2u);  // Megatron's g after attention and after the MLP
  EXPECT_EQ(half.tp_collectives[0].collective, Collective::kAllReduce);
  EXPECT_DOUBLE_EQ(half.tp_collectives[0].bytes, 4.0 * model.seq_len * model.d_model);
  const UnitWork sequence_parallel = block_work(model, {1, 2, true}, Pass::kForward);
  EXPECT_EQ(sequence_parallel.tp_collectives.size(), 4u);  // all-gather + reduce-scatter, twice
}

// --recompute's work lands in backward: selective redoes the q k^T half of
// the attention, full the whole forward (its collectives too); forward is
// unchanged.
TEST(UnitWork, RecomputeAddsItsForwardWorkToBackward) {
  ModelConfig model;
  const ShardShape shard{2, 2, false};
  auto gemm_flops = [](const UnitWork& work) {
    double sum = 0;
    for (const GemmWork& gemm : work.gemms) sum += gemm.flops();
    return sum;
  };
  const UnitWork forward = block_work(model, shard, Pass::kForward);
  const UnitWork none = block_work(model, shard, Pass::kBackward);
  model.recompute = Recompute::kSelective;
  const UnitWork selective = block_work(model, shard, Pass::kBackward);
  EXPECT_DOUBLE_EQ(block_work(model, shard, Pass::kForward).attention_flops, forward.attention_flops);
  EXPECT_DOUBLE_EQ(selective.attention_flops, none.attention_flops + forward.attention_flops / 2);
  EXPECT_DOUBLE_EQ(gemm_flops(selective), gemm_flops(none));
  const auto gelu = [](const UnitWork& work) { return work.vector_bytes[static_cast<int>(VectorKernel::kGelu)]; };
  EXPECT_DOUBLE_EQ(gelu(selective), gelu(none) + gelu(forward));  // and GELU again
  model.recompute = Recompute::kFull;
  const UnitWork full = block_work(model, shard, Pass::kBackward);
  EXPECT_DOUBLE_EQ(gemm_flops(full), gemm_flops(none) + gemm_flops(forward));
  EXPECT_DOUBLE_EQ(full.attention_flops, none.attention_flops + forward.attention_flops);
  EXPECT_EQ(full.tp_collectives.size(), none.tp_collectives.size() + forward.tp_collectives.size());
  // The recomputed GEMMs are forward ones: a zero-bubble W holds none of them.
  const auto weight = [](const UnitWork& work) {
    return std::count_if(work.gemms.begin(), work.gemms.end(), [](const GemmWork& g) { return g.weight_gradient; });
  };
  EXPECT_EQ(weight(full), weight(none));
}

// pp = 2, two micro-batches, 1F1B, as lowered by the runtime:
//   rank 0: F0 F1 . B0 B1      rank 1: F0 B0 F1 B1
// with each rank's own forward f_r and backward b_r and one transfer c:
//   rank 1 F0 ends f0 + c + f1; its B0 ends that + b1; its F1 starts when
//   both B0 is done and rank 0's F1 (ends 2 f0) has arrived, ...
TEST(StepPrediction, PipelineEqualsTheHandWorkedOneFOneB) {
  PlanTarget target;
  target.options.model = {64, 16, 32, 4, 4, 4, 0.1f, 8};
  target.layout.grid = {1, 2, 1};
  target.layout.micro_batch = 4;
  target.layout.schedule = ScheduleKind::kOneFOneB;
  target.cluster = two_node_cluster();
  const ActionCost cost = pipeline_action_cost(target);
  const double f0 = cost(0, {ActionKind::kForward, 0, 0}), b0 = cost(0, {ActionKind::kBackward, 0, 0});
  const double f1 = cost(1, {ActionKind::kForward, 0, 0}), b1 = cost(1, {ActionKind::kBackward, 0, 0});
  const double c = cost(1, {ActionKind::kRecvF, 0, 0, 0, 0});
  EXPECT_GT(f0, 0);
  EXPECT_GT(b1, f1);  // backward does twice the GEMMs
  EXPECT_DOUBLE_EQ(c, 1e-6 + 4.0 * 4 * 16 * 32 / 100e9);  // intra-node, one (4, 16, 32) activation
  const double r1_f0_end = f0 + c + f1;
  const double r1_b0_end = r1_f0_end + b1;
  const double r1_f1_end = std::max(r1_b0_end, 2 * f0 + c) + f1;
  const double r1_b1_end = r1_f1_end + b1;
  const double r0_b0_end = std::max(2 * f0, r1_b0_end + c) + b0;
  const double r0_b1_end = std::max(r0_b0_end, r1_b1_end + c) + b0;

  const PipelineShape shape = target.layout.pipeline_shape(target.options.model);
  const SimulatedRun run = simulate_schedule(generate_schedule(ScheduleKind::kOneFOneB, shape), shape, cost);
  EXPECT_NEAR(run.makespan, std::max(r0_b1_end, r1_b1_end), 1e-15);

  // The step adds each rank's optimizer and the loss all-reduce over both.
  std::vector<MemoryPlan> memory(2);
  memory[0].category_bytes[static_cast<int>(MemoryCategory::kGradients)] = 4000;
  memory[1].category_bytes[static_cast<int>(MemoryCategory::kGradients)] = 8000;
  const StepPrediction prediction = predict_step(target, memory);
  const double optimizer0 = 1000 * 28 / 1e11, optimizer1 = 2000 * 28 / 1e11;
  const double loss = 2 * (1e-6 + 8.0 / (2 * 100e9));
  EXPECT_NEAR(prediction.step_s, std::max(r0_b1_end + optimizer0, r1_b1_end + optimizer1) + loss, 1e-15);
  EXPECT_NEAR(prediction.stages[0].pipeline_s, r0_b1_end, 1e-15);
  EXPECT_DOUBLE_EQ(prediction.tokens_per_s, 8.0 * 16 / prediction.step_s);
  EXPECT_DOUBLE_EQ(prediction.tokens_per_s_per_device, prediction.tokens_per_s / 2);
}

// dp = 2: the gradient buckets all-reduce behind the last backward as far as
// the cluster's collectives progress beside compute, and at least the last
// bucket is exposed. MPI on CPU cores (overlap 0) exposes all of it.
TEST(StepPrediction, GradientAllReduceHidesOnlyAsFarAsTheClusterOverlaps) {
  PlanTarget target;
  target.options.model = {64, 16, 32, 4, 4, 4, 0.1f, 8};
  target.layout.grid = {2, 1, 1};
  target.layout.bucket_bytes = 1000;
  target.cluster = two_node_cluster();
  target.cluster.intra_node = {1e-6, 1e6};  // slow enough that the all-reduce outlasts backward
  const double backward = pipeline_action_cost(target)(0, {ActionKind::kBackward, 0, 0});
  std::vector<MemoryPlan> memory(1);
  memory[0].category_bytes[static_cast<int>(MemoryCategory::kGradients)] = 4000;
  const double per_bucket = collective_seconds(Collective::kAllReduce, target.cluster.intra_node, 2, 1000);
  ASSERT_GT(4 * per_bucket, backward + per_bucket);

  for (double overlap : {0.0, 0.5, 1.0}) {
    target.cluster.collective_overlap = overlap;
    const StepPrediction prediction = predict_step(target, memory);
    EXPECT_NEAR(prediction.stages[0].dp_sync_s, 4 * per_bucket - overlap * backward, 1e-15) << overlap;
  }
  // A fast link: the whole all-reduce fits behind backward, but the last bucket stays exposed.
  target.cluster.intra_node = {1e-6, 100e9};
  const double fast_bucket = collective_seconds(Collective::kAllReduce, target.cluster.intra_node, 2, 1000);
  ASSERT_LT(4 * fast_bucket, backward);
  target.cluster.collective_overlap = 1;
  EXPECT_NEAR(predict_step(target, memory).stages[0].dp_sync_s, fast_bucket, 1e-15);
  target.cluster.collective_overlap = 0;
  EXPECT_NEAR(predict_step(target, memory).stages[0].dp_sync_s, 4 * fast_bucket, 1e-15);
}

TEST(ClusterDescription, MeasuredCollectivesAndPerPrecisionAttentionRoundTrip) {
  ClusterDescription cluster = two_node_cluster();
  cluster.intra_node.measured_two_rank_s[static_cast<int>(Collective::kReduceScatter)] = {{8, 1e-6}, {64, 2e-6}};
  cluster.device.attention_flops_per_s[static_cast<int>(Precision::kFp32)] = {{64, 40e9}, {128, 60e9}};
  cluster.device.attention_flops_per_s[static_cast<int>(Precision::kBf16)] = {{64, 36e9}};
  nlohmann::json json = cluster.to_json();
  const ClusterDescription read = ClusterDescription::from_json(json);
  EXPECT_EQ(read.intra_node.measured_two_rank_s, cluster.intra_node.measured_two_rank_s);
  EXPECT_TRUE(read.inter_node.measured_two_rank_s[0].empty());
  EXPECT_EQ(read.device.attention_flops_per_s, cluster.device.attention_flops_per_s);
  EXPECT_DOUBLE_EQ(attention_flops_per_s(read.device, Precision::kBf16, 64), 36e9);
  EXPECT_DOUBLE_EQ(attention_flops_per_s(read.device, Precision::kFp32, 64), 40e9);
  // An older description's single list serves both precisions.
  nlohmann::json legacy = json;
  legacy["device"]["measured"]["attention_seq_len_flops_per_s"] = {{64, 40e9}, {128, 60e9}};
  const ClusterDescription old = ClusterDescription::from_json(legacy);
  EXPECT_DOUBLE_EQ(attention_flops_per_s(old.device, Precision::kBf16, 128), 60e9);
  EXPECT_DOUBLE_EQ(attention_flops_per_s(old.device, Precision::kFp32, 128), 60e9);
  json["intra_node"]["measured_two_rank_bytes_s"]["reduce_scatter"] = {{64, 1e-6}, {8, 2e-6}};  // bytes falling
  EXPECT_THROW(ClusterDescription::from_json(json), JsonFieldError);
  json["intra_node"]["measured_two_rank_bytes_s"]["reduce_scatter"] = {{64}};
  EXPECT_THROW(ClusterDescription::from_json(json), JsonFieldError);
}

// bf16 adds the runtime's roundings and widenings (11 D + F elements per
// token in a block's forward, as model/block.cpp and parallel_linear.cpp
// make them); the bias and copy passes are the same in both precisions.
TEST(UnitWork, Bf16AddsItsRoundingAndWideningToTheStreamingPasses) {
  ModelConfig model;
  const ShardShape shard{2, 1, false};
  const auto bytes = [](const UnitWork& work, VectorKernel kernel) {
    return work.vector_bytes[static_cast<int>(kernel)];
  };
  for (Pass pass : {Pass::kForward, Pass::kBackward}) {
    model.precision = Precision::kFp32;
    const UnitWork fp32 = block_work(model, shard, pass);
    model.precision = Precision::kBf16;
    const UnitWork bf16 = block_work(model, shard, pass);
    EXPECT_EQ(bytes(fp32, VectorKernel::kConvert), 0.0);
    EXPECT_GT(bytes(bf16, VectorKernel::kConvert), 0.0);
    EXPECT_DOUBLE_EQ(bytes(bf16, VectorKernel::kLayerNorm), bytes(fp32, VectorKernel::kLayerNorm));
  }
  const double tokens = 2.0 * model.seq_len;
  EXPECT_DOUBLE_EQ(bytes(block_work(model, shard, Pass::kForward), VectorKernel::kConvert),
                   6.0 * tokens * (11.0 * model.d_model + model.ffn_width()));
}

TEST(ClusterDescription, CollectiveOverlapRoundTripsDefaultsToOneAndMustBeAFraction) {
  ClusterDescription cluster = two_node_cluster();
  cluster.collective_overlap = 0.25;
  nlohmann::json json = cluster.to_json();
  EXPECT_DOUBLE_EQ(ClusterDescription::from_json(json).collective_overlap, 0.25);
  json.erase("collective_overlap");
  EXPECT_DOUBLE_EQ(ClusterDescription::from_json(json).collective_overlap, 1.0);
  json["collective_overlap"] = 1.5;
  EXPECT_THROW(ClusterDescription::from_json(json), JsonFieldError);
}

}  // namespace paratrain
