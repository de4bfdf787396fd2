#pragma once
// The strategy catalogue: named layouts a sweep can run. A name
// (record/strategy_name.h) is the layout's parts joined by "x", in the order
// dp, tp, pp: "seq", "dp2",
// "dp2-zero1", "tp2", "tp2-sp" (sequence parallel), "pp2-1f1b",
// "pp2-interleaved-v2", "dp2xpp2-gpipe", "dp2xtp2xpp2-1f1b", ... A name is
// parsed into a typed Strategy once; nothing downstream looks at the text again.
#include <string>
#include <vector>

#include "comm/process_grid.h"
#include "parallel/schedule.h"

namespace paratrain {

struct Strategy {
  std::string name;  // canonical: parse_strategy(name).name == name
  GridShape grid;
  ScheduleKind schedule = ScheduleKind::kOneFOneB;
  int virtual_stages = 1;
  bool sequence_parallel = false;  // with tp > 1
  int zero = 0;                    // 1: ZeRO-1 over the dp group (dp > 1)

  int ranks() const { return grid.world(); }
  bool is_pipeline() const { return grid.pp > 1; }
};

// UsageError naming the text and the accepted forms for anything unknown.
Strategy parse_strategy(const std::string& name);

// Every strategy that fits `ranks` ranks: seq (one rank), dpN and dpN-zero1,
// tpN and tpN-sp (sequence parallel), ppN with
// gpipe and 1f1b, ppN interleaved with 2 virtual stages when n_layers allows,
// and the two-axis hybrids (dp x pp 1f1b, dp x tp, tp x pp 1f1b) of every
// factorization of N with both sides > 1, and dp x tp x pp when N has three
// factors > 1. tpN appears only when n_heads allows it.
std::vector<Strategy> default_strategies(int ranks, int n_layers, int n_heads = 0);

}  // namespace paratrain
