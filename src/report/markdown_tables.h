#pragma once
// The report's Markdown tables, filled from the records.
#include <string>

#include "report/results.h"

namespace paratrain::report {

// One table per micro-batch size of the micro-batch sweep: utilization per
// device, throughput and max memory per device, a row per strategy.
std::string micro_batch_tables(const Results& results);
std::string failures_table(const Results& results);
std::string runs_table(const Results& results);

}  // namespace paratrain::report
