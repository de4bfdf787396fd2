#pragma once
// The one place a strategy gets its name: "seq", or the layout's parts joined
// by "x" in the order dpN[-zero1], tpN[-sp], ppN-gpipe|1f1b|interleaved-vK
// ("dp2-zero1", "tp2-sp", "dp2xpp2-1f1b", "pp4-interleaved-v2"). The sweep
// parses these names back (sweep/strategy.h); the report labels runs by them.
#include <string>

#include "parallel/layout.h"

namespace paratrain {

std::string strategy_name(const Layout& layout);

}  // namespace paratrain
