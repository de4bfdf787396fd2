#pragma once
// The strategy catalogue: named layouts a sweep can run ("seq", "dp2",
// "pp2-1f1b", "pp2-interleaved-v2", "dp2xpp2-gpipe", ...). A name is parsed
// into a typed Strategy once; nothing downstream looks at the text again.
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

  int ranks() const { return grid.world(); }
  bool is_pipeline() const { return grid.pp > 1; }
};

// UsageError naming the text and the accepted forms for anything unknown.
Strategy parse_strategy(const std::string& name);

// Every strategy that fits `ranks` ranks: seq (one rank), dpN, ppN with gpipe
// and 1f1b, ppN interleaved with 2 virtual stages when n_layers allows, and
// the dp x pp hybrids (1f1b) of every factorization of N with both sides > 1.
std::vector<Strategy> default_strategies(int ranks, int n_layers);

}  // namespace paratrain
