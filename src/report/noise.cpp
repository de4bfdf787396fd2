#include "report/noise.h"

#include <algorithm>
#include <cstdio>

#include "report/run_selection.h"
#include "report/text_file.h"

namespace paratrain::report {

namespace {

double relative_spread(const MeasuredRun& run) {
  return run.tokens_per_s > 0 ? run.tokens_spread.width() / run.tokens_per_s : 0.0;
}

std::string machine_line(const MachineRecord& machine) {
  char text[512];
  std::snprintf(text, sizeof(text),
                "Machine at the sweep's start (%s): %s, %d cores; load average %.2f / %.2f / %.2f "
                "(1 / 5 / 15 min); %.1f cores busy with other work%s.\n\n",
                machine.started.empty() ? "time unknown" : machine.started.c_str(), machine.cpu_model.c_str(),
                machine.cores, machine.load_1min, machine.load_5min, machine.load_15min, machine.busy_cores,
                machine.busy_cores >= kBusyCoreWarning ? " (**shared: expect noisier numbers**)" : "");
  return text;
}

}  // namespace

bool beyond_noise(const Spread& ahead, const Spread& behind) { return ahead.low > behind.high; }

Spread tokens_range(const MeasuredRun& run) {
  return run.repeats > 1 ? run.tokens_spread : Spread{run.tokens_per_s, run.tokens_per_s};
}

Spread per_device_range(const MeasuredRun& run) {
  return run.repeats > 1 ? run.per_device_spread : Spread{run.tokens_per_s_per_device, run.tokens_per_s_per_device};
}

std::string range_text(const Spread& spread, int repeats) {
  if (repeats < 2) return "";
  return fixed(spread.low, 0) + "–" + fixed(spread.high, 0);
}

std::string value_with_range(double value, const Spread& spread, int repeats, int decimals) {
  if (repeats < 2) return fixed(value, decimals);
  return fixed(value, decimals) + " (" + fixed(spread.low, decimals) + "–" + fixed(spread.high, decimals) + ")";
}

NoiseFloor noise_floor(const Results& results) {
  NoiseFloor floor;
  std::vector<double> spreads;
  const MeasuredRun* sequential = nullptr;
  for (const MeasuredRun& run : results.runs) {
    floor.repeats_min = floor.repeats_min == 0 ? run.repeats : std::min(floor.repeats_min, run.repeats);
    floor.repeats_max = std::max(floor.repeats_max, run.repeats);
    if (run.repeats < 2) continue;
    spreads.push_back(relative_spread(run));
    // seq's base point if there is one, else seq's first point.
    if (is_sequential(run) && (sequential == nullptr || (sequential->point.varied && !run.point.varied))) {
      sequential = &run;
    }
  }
  if (sequential != nullptr) floor.sequential = relative_spread(*sequential);
  if (!spreads.empty()) {
    floor.median_all = median_of(spreads);
    floor.widest_all = *std::max_element(spreads.begin(), spreads.end());
  }
  return floor;
}

std::string noise_header(const Results& results) {
  std::string text;
  for (const MachineRecord& machine : results.machines) text += machine_line(machine);
  const NoiseFloor floor = noise_floor(results);
  if (floor.repeats_max < 2) {
    return text +
           "Each point was measured once: the noise is not measured, and a lead of a few percent "
           "may be noise (run the sweep with `--repeats 3`).\n\n";
  }
  text += "Each point was measured " +
          (floor.repeats_min == floor.repeats_max
               ? std::to_string(floor.repeats_max)
               : std::to_string(floor.repeats_min) + " to " + std::to_string(floor.repeats_max)) +
          " times as separate jobs, interleaved across strategies. Every value is the median over "
          "the repeats; the spread is min–max over the repeats (error bars in the figures, "
          "\"median (min–max)\" in the tables).\n\n";
  text += "Noise floor (max − min) / median of tokens/s: ";
  text += floor.sequential ? percent(*floor.sequential) + " at the sequential point"
                           : std::string("no repeated sequential point");
  text += "; median " + percent(*floor.median_all) + " and widest " + percent(*floor.widest_all) +
          " over all points.\n\n";
  text +=
      "A strategy is named ahead of another only when its slowest repeat beat the other's fastest "
      "(the ranges do not overlap); otherwise the report says they are tied within noise.\n\n";
  return text;
}

}  // namespace paratrain::report
