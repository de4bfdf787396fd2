#include "plan/machine_calibration.h"

#include "kernels/gemm_bf16.h"

#include <algorithm>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "kernels/adamw.h"
#include "kernels/attention.h"
#include "kernels/cross_entropy.h"
#include "kernels/dropout.h"
#include "kernels/gelu.h"
#include "kernels/gemm.h"
#include "kernels/layernorm.h"
#include "parallel/memory_plan.h"

namespace paratrain {

namespace {

// Median seconds of `run`, repeated until about `budget_s` has passed (at least 3 times).
template <typename Run>
double median_seconds(Run&& run, double budget_s) {
  run();  // warm-up: page faults, packing buffers
  std::vector<double> times;
  const double start = now_seconds();
  while (times.size() < 3 || (now_seconds() - start < budget_s && times.size() < 50)) {
    const double begin = now_seconds();
    run();
    times.push_back(now_seconds() - begin);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

// The GEMM the run's precision uses: fp32, or bf16 inputs with fp32
// output (native or emulated, whichever kernels::gemm_bf16 runs here).
double gemm_rate(Precision precision, int m, int n, int k, double budget_s) {
  std::vector<float> a(static_cast<size_t>(m) * k, 0.5f), b(static_cast<size_t>(k) * n, 0.25f),
      c(static_cast<size_t>(m) * n, 0.0f);
  std::vector<kernels::Bf16> a16, b16;
  if (precision == Precision::kBf16) {
    a16.resize(a.size());
    b16.resize(b.size());
    kernels::round_to_bf16(a.data(), a.size(), a16.data());
    kernels::round_to_bf16(b.data(), b.size(), b16.data());
  }
  const double seconds = median_seconds(
      [&] {
        if (precision == Precision::kBf16) {
          kernels::gemm_bf16(kernels::Trans::kNo, kernels::Trans::kNo, m, n, k, 1.0f, a16.data(), k,
                             b16.data(), n, 0.0f, c.data(), n);
        } else {
          kernels::gemm(kernels::Trans::kNo, kernels::Trans::kNo, m, n, k, 1.0f, a.data(), k, b.data(),
                        n, 0.0f, c.data(), n);
        }
      },
      budget_s);
  return 2.0 * m * n * static_cast<double>(k) / seconds;
}

// Forward + backward of causal attention over one sample, D = 256, 8 heads,
// dropout on: 12 T^2 D FLOPs by the cost model's convention.
double attention_rate(Precision precision, int seq_len, double budget_s) {
  const kernels::AttentionShape shape{1, seq_len, 8, 32, 0, precision == Precision::kBf16};
  const size_t tokens = static_cast<size_t>(seq_len);
  std::vector<float> qkv(tokens * 3 * shape.width(), 0.01f), out(tokens * shape.width());
  std::vector<float> probs(static_cast<size_t>(shape.heads) * tokens * tokens);
  std::vector<float> scratch(kernels::attention_scratch_planes(true, shape.bf16_products) * tokens * tokens);
  std::vector<float> dqkv(qkv.size());
  const kernels::DropoutKey key{1, 0, 1, kernels::DropoutSite::kAttentionProbs, 0.1f};
  const double seconds = median_seconds(
      [&] {
        kernels::attention_forward(qkv.data(), shape, key, 0, probs.data(), scratch.data(), out.data());
        kernels::attention_backward(out.data(), qkv.data(), probs.data(), shape, key, 0, scratch.data(),
                                    dqkv.data());
      },
      budget_s);
  return 12.0 * tokens * static_cast<double>(tokens) * shape.width() / seconds;
}

// Bytes per second of each vector kernel, counted as unit_work.cpp counts them.
std::array<double, kVectorKernelCount> vector_rates(double budget_s) {
  const int rows = 2048, width = 512;
  const size_t count = static_cast<size_t>(rows) * width;
  std::vector<float> x(count, 0.3f), y(count), dx(count), weight(width, 1.0f), bias(width, 0.0f);
  std::vector<float> mean(rows), rstd(rows), dweight(width), dbias(width), m1(count), m2(count);
  std::vector<int32_t> targets(rows, 1);
  std::array<double, kVectorKernelCount> rates{};
  const double bytes = 4.0 * count;
  auto rate = [&](VectorKernel kernel, double passes, auto&& run) {
    rates[static_cast<int>(kernel)] = passes * bytes / median_seconds(run, budget_s);
  };
  rate(VectorKernel::kLayerNorm, 5, [&] {
    kernels::layernorm_forward(x.data(), weight.data(), bias.data(), rows, width, y.data(), mean.data(), rstd.data());
    kernels::layernorm_backward(y.data(), x.data(), mean.data(), rstd.data(), weight.data(), rows, width,
                                dx.data(), dweight.data(), dbias.data());
  });
  rate(VectorKernel::kGelu, 5, [&] {
    kernels::gelu_forward(x.data(), count, y.data());
    kernels::gelu_backward(y.data(), x.data(), count, dx.data());
  });
  const kernels::DropoutKey key{1, 0, 1, kernels::DropoutSite::kAttentionResidual, 0.1f};
  rate(VectorKernel::kDropout, 2, [&] { kernels::dropout_rows(key, 0, 1, 0, rows, 0, width, y.data()); });
  rate(VectorKernel::kSoftmax, 5, [&] {
    std::copy(x.begin(), x.end(), y.begin());
    kernels::cross_entropy_forward_backward(y.data(), targets.data(), rows, width, 1.0f);
  });
  std::vector<kernels::Bf16> rounded(count);
  rate(VectorKernel::kConvert, 3, [&] {  // 6 bytes per element each way: 1.5 passes of floats
    kernels::round_to_bf16(x.data(), count, rounded.data());
    kernels::widen_from_bf16(rounded.data(), count, y.data());
  });
  const kernels::AdamWHyper hyper;
  long step = 0;
  rate(VectorKernel::kAdamW, 7, [&] {
    kernels::adamw_step(y.data(), x.data(), m1.data(), m2.data(), count, hyper, true, ++step);
  });
  return rates;
}

// The machine's cores, not this process's: under mpirun a rank is bound to one.
int cores_of_this_machine() { return std::max(1u, std::thread::hardware_concurrency()); }

// A unit of backward-sized compute: one 384^3 GEMM, about a millisecond at
// 100 GFLOP/s, run between collectives as a rank's units run between them.
class ComputeUnit {
 public:
  ComputeUnit() : a_(kSide * kSide, 0.5f), b_(a_.size(), 0.25f), c_(a_.size()) {}
  void run() {
    kernels::gemm(kernels::Trans::kNo, kernels::Trans::kNo, kSide, kSide, kSide, 1.0f, a_.data(), kSide,
                  b_.data(), kSide, 0.0f, c_.data(), kSide);
  }

 private:
  static constexpr int kSide = 384;
  std::vector<float> a_, b_, c_;
};

// The median seconds of `collective` over `rounds` (at least 5), each right
// after a compute unit on every rank; every rank returns the slowest rank's median.
template <typename Run>
double collective_after_compute(const Communicator& world, int rounds, Run&& collective) {
  ComputeUnit unit;
  std::vector<double> times;
  world.barrier();
  collective();  // warm-up
  for (int round = 0; round < std::max(rounds, 5); ++round) {
    unit.run();
    const double begin = now_seconds();
    collective();
    times.push_back(now_seconds() - begin);
  }
  std::sort(times.begin(), times.end());
  double median = times[times.size() / 2];
  world.all_reduce_max(&median, 1);
  return median;
}

}  // namespace

DeviceDescription measure_device(CalibrationDepth depth) {
  const bool full = depth == CalibrationDepth::kFull;
  const double budget = full ? 0.3 : 0.05;
  DeviceDescription device;
  device.name = std::string("one CPU core (") + kernels::gemm_library() + ", 1 thread)";
  const std::vector<int> rows = full ? std::vector<int>{128, 512, 2048, 8192} : std::vector<int>{256, 1024};
  const std::vector<int> sides = full ? std::vector<int>{64, 256, 1024} : std::vector<int>{128, 512};
  for (Precision precision : {Precision::kFp32, Precision::kBf16}) {
    auto& rates = device.gemm_rates[static_cast<int>(precision)];
    for (int m : rows) {
      for (int n : sides) {
        for (int k : sides) rates.push_back({m, n, k, gemm_rate(precision, m, n, k, budget)});
      }
    }
  }
  for (int seq_len : full ? std::vector<int>{64, 128, 256, 512} : std::vector<int>{64, 256}) {
    for (Precision precision : {Precision::kFp32, Precision::kBf16}) {
      device.attention_flops_per_s[static_cast<int>(precision)].emplace_back(
          seq_len, attention_rate(precision, seq_len, budget));
    }
  }
  device.vector_bytes_per_s = vector_rates(budget);
  device.memory_bandwidth_bytes_per_s =
      *std::max_element(device.vector_bytes_per_s.begin(), device.vector_bytes_per_s.end());
  for (Precision precision : {Precision::kFp32, Precision::kBf16}) {
    device.peak_flops_per_s[static_cast<int>(precision)] = peak_flops_per_s(device, precision);
  }
  device.memory_bytes = static_cast<double>(available_memory().bytes) / cores_of_this_machine();
  return device;
}

std::vector<MessageTime> measure_messages(const Communicator& world) {
  std::vector<MessageTime> times;
  const int rank = world.rank();
  for (size_t count = 2; count <= (size_t{16} << 20); count *= 8) {  // floats: 8 B .. 64 MiB
    std::vector<float> buffer(count, 1.0f);
    if (rank < 2) {  // a warm-up exchange: connection set-up and page faults stay out of the timing
      if (rank == 0) world.send(buffer.data(), count, 1, 6);
      if (rank == 1) world.recv(buffer.data(), count, 0, 6);
    }
    const int rounds = count < 4096 ? 200 : count < (1u << 20) ? 20 : 4;
    world.barrier();
    const double begin = now_seconds();
    for (int round = 0; round < rounds; ++round) {
      if (rank == 0) {
        world.send(buffer.data(), count, 1, 7);
        world.recv(buffer.data(), count, 1, 8);
      } else if (rank == 1) {
        world.recv(buffer.data(), count, 0, 7);
        world.send(buffer.data(), count, 0, 8);
      }
    }
    double p2p = (now_seconds() - begin) / (2.0 * rounds);
    world.broadcast(&p2p, sizeof(p2p), 0);
    std::vector<float> incoming(count);
    world.barrier();
    const double exchange_begin = now_seconds();
    for (int round = 0; round < rounds; ++round) {
      if (rank < 2) {
        Request sent = world.isend(buffer.data(), count, 1 - rank, 9);
        world.recv(incoming.data(), count, 1 - rank, 9);
        sent.wait();
      }
    }
    double exchange = (now_seconds() - exchange_begin) / rounds;
    world.all_reduce_max(&exchange, 1);
    // The collectives as the runtime meets them: each right after a unit of
    // compute on every rank, so the time includes the ranks' skew and data
    // that has left the cache.
    MessageTime time{4.0 * count, p2p, exchange};
    const size_t share = std::max<size_t>(1, count / world.size());
    std::vector<float> reduced(share);
    auto collective_s = [&](Collective collective) -> double& {
      return time.collective_s[static_cast<int>(collective)];
    };
    collective_s(Collective::kAllGather) = collective_after_compute(world, rounds, [&] {
      world.all_gather(buffer.data(), incoming.data(), share);
    });
    collective_s(Collective::kReduceScatter) = collective_after_compute(world, rounds, [&] {
      world.reduce_scatter_sum(buffer.data(), reduced.data(), share);
    });
    collective_s(Collective::kAllReduce) =
        collective_after_compute(world, rounds, [&] { world.all_reduce_sum(buffer.data(), count); });
    times.push_back(time);
  }
  return times;
}

double measure_collective_overlap(const Communicator& world) {
  const size_t count = size_t{4} << 20;  // 16 MiB: a small model's gradients
  std::vector<float> buffer(count, 1.0f);
  ComputeUnit compute;
  auto unit = [&] { compute.run(); };
  auto timed = [&](auto&& run) {
    world.barrier();
    const double begin = now_seconds();
    run();
    double seconds = now_seconds() - begin;
    world.all_reduce_max(&seconds, 1);
    return seconds;
  };
  world.all_reduce_sum(buffer.data(), count);  // warm-up: buffers, page faults
  unit();
  std::vector<double> overlaps;
  for (int trial = 0; trial < 3; ++trial) {
    const double reduce_s = timed([&] { world.all_reduce_sum(buffer.data(), count); });
    const double unit_s = timed(unit);
    const int units = std::max(1, static_cast<int>(reduce_s / unit_s + 0.5));
    const double compute_s = timed([&] {
      for (int idx = 0; idx < units; ++idx) unit();
    });
    const double both_s = timed([&] {
      Request request = world.iall_reduce_sum(buffer.data(), count);
      for (int idx = 0; idx < units; ++idx) {
        unit();
        if (request.active()) request.test();
      }
      request.wait();
    });
    const double hidden = (reduce_s + compute_s - both_s) / std::min(reduce_s, compute_s);
    overlaps.push_back(std::clamp(hidden, 0.0, 1.0));
  }
  std::sort(overlaps.begin(), overlaps.end());
  return overlaps[1];
}

LinkCost fit_link(const std::vector<MessageTime>& times) {
  // Least squares of t = a + b S weighted by 1 / t^2 (relative errors), so
  // the small messages set the latency and the large ones the bandwidth.
  double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const MessageTime& time : times) {
    const double weight = 1.0 / (time.exchange_s * time.exchange_s);
    sw += weight;
    sx += weight * time.bytes;
    sy += weight * time.exchange_s;
    sxx += weight * time.bytes * time.bytes;
    sxy += weight * time.bytes * time.exchange_s;
  }
  const double slope = (sw * sxy - sx * sy) / (sw * sxx - sx * sx);
  const double intercept = (sy - slope * sx) / sw;
  // The smallest message's time is the better latency estimate when the fit's intercept is off.
  const double latency = intercept > 0 ? intercept : times.front().exchange_s;
  return {latency, slope > 0 ? 1.0 / slope : 1e12};
}

LinkCost assumed_shared_memory_link() { return {2e-6, 5e9}; }

LinkCost with_measured_collectives(LinkCost link, const std::vector<MessageTime>& times) {
  for (int idx = 0; idx < kCollectiveCount; ++idx) {
    for (const MessageTime& time : times) {
      link.measured_two_rank_s[idx].emplace_back(time.bytes, time.collective_s[idx]);
    }
  }
  return link;
}

ClusterDescription this_machine(const DeviceDescription& device, const LinkCost& link) {
  ClusterDescription cluster;
  cluster.name = "this machine";
  cluster.devices_per_node = cores_of_this_machine();
  cluster.nodes = 1;
  cluster.device = device;
  cluster.intra_node = link;
  cluster.inter_node = link;  // unused on one node; the closed forms, never the measured tables
  cluster.inter_node.measured_two_rank_s = {};
  // MPI ranks on CPU cores move a collective's data only inside MPI calls;
  // calibrate measures the fraction (measure_collective_overlap).
  cluster.collective_overlap = 0;
  return cluster;
}

}  // namespace paratrain
