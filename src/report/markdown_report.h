#pragma once
// Assembles report.md: header, figures (or why each is skipped), tables,
// observations, failed points, all runs.
#include <string>
#include <vector>

#include "report/figures.h"
#include "report/observations.h"
#include "report/results.h"

namespace paratrain::report {

std::string report_markdown(const Results& results, const std::vector<FigurePlan>& plans,
                            const std::vector<ObservationSection>& sections,
                            const std::string& terminal_name);

}  // namespace paratrain::report
