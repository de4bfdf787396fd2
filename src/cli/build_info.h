#pragma once
// The resolved build, printed in every run's record.
#include "record/run_record.h"

namespace paratrain {

BuildRecord build_info();

}  // namespace paratrain
