#pragma once
// The planner in the report (issue 12): predicted against measured tokens/s
// for every point whose record carries a prediction (a figure with the
// y = x line, and a table of the errors, memory included), and the planner's
// best layouts for the seed's model and a 1.7B-parameter one on one and on
// eight nodes of a shipped GPU system.
#include <string>

#include "report/figures.h"
#include "report/results.h"

namespace paratrain::report {

bool has_predictions(const Results& results);
FigurePlan prediction_figure(const Results& results);
// "## Predicted against measured" and "## The planner's best layouts"; empty
// when no record carries a prediction (an older results file).
std::string prediction_sections(const Results& results);
// The second part alone (clusters/ of the source tree; a note when it cannot be read).
std::string planner_best_layouts();

}  // namespace paratrain::report
