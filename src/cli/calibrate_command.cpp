// paratrain calibrate: measures this machine once (GEMM grid, attention,
// vector kernels on every rank at once, as they share the machine in
// training; point-to-point and all-reduce time against message size between
// ranks 0 and 1) and writes it as a cluster description for `plan --cluster`.
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "core/clock.h"
#include "core/error.h"
#include "io/output_file.h"
#include "kernels/gemm.h"
#include "plan/machine_calibration.h"

namespace paratrain {

namespace {

class CalibrateCommand : public Command {
 public:
  explicit CalibrateCommand(CLI::App& sub) {
    sub.add_option("--out", out_path_, "where the description (JSON) goes")->required();
    sub.add_flag("--quick", quick_, "fewer GEMM shapes and shorter timings (seconds, not a minute)");
  }

  void prepare(int world_size) override {
    check_output_path(out_path_, "--out");
    if (world_size > 2) throw UsageError("calibrate runs on one or two ranks (mpirun -np 2 measures the link)");
  }

  int run(const Communicator& world) override {
    kernels::gemm_set_threads(1);
    const double begin = now_seconds();
    const DeviceDescription device = measure_device(quick_ ? CalibrationDepth::kQuick : CalibrationDepth::kFull);
    std::vector<MessageTime> messages;
    LinkCost link = assumed_shared_memory_link();
    double overlap = 0;  // one rank: as this_machine assumes
    if (world.size() == 2) {
      messages = measure_messages(world);
      link = with_measured_collectives(fit_link(messages), messages);
      overlap = measure_collective_overlap(world);
    }
    if (world.rank() != 0) return 0;
    ClusterDescription cluster = this_machine(device, link);
    cluster.name = "this machine (paratrain calibrate)";
    cluster.collective_overlap = overlap;
    nlohmann::json out = cluster.to_json();
    out["source"] = world.size() == 2 ? "measured by paratrain calibrate under mpirun -np 2"
                                      : "device measured; link assumed (run under mpirun -np 2 to measure it)";
    nlohmann::json table = nlohmann::json::array();
    for (const MessageTime& time : messages) {
      nlohmann::json row = {{"bytes", time.bytes}, {"p2p_s", time.p2p_s}, {"exchange_s", time.exchange_s}};
      for (int idx = 0; idx < kCollectiveCount; ++idx) {
        row[std::string(collective_name(static_cast<Collective>(idx))) + "_s"] = time.collective_s[idx];
      }
      table.push_back(row);
    }
    out["messages"] = table;
    out["calibration_seconds"] = now_seconds() - begin;
    std::ofstream file(out_path_);
    file << out.dump(2) << "\n";
    if (!file) throw UsageError("--out: cannot write " + out_path_);
    std::printf(
        "calibrate: %s | gemm peak %.1f GFLOP/s | link %.2f us + %.2f GB/s | all-reduce hidden behind "
        "compute %.0f%% | %.1f s\n",
        out_path_.c_str(), peak_flops_per_s(device, Precision::kFp32) / 1e9, link.latency_s * 1e6,
        link.bandwidth_bytes_per_s / 1e9, 100 * overlap, now_seconds() - begin);
    return 0;
  }

 private:
  std::string out_path_;
  bool quick_ = false;
};

}  // namespace

void register_calibrate_command(CLI::App& app, std::unique_ptr<Command>& chosen) {
  CLI::App* sub = app.add_subcommand("calibrate", "measure this machine into a cluster description (JSON)");
  auto command = std::make_shared<std::unique_ptr<Command>>(std::make_unique<CalibrateCommand>(*sub));
  sub->callback([command, &chosen] { chosen = std::move(*command); });
}

}  // namespace paratrain
