#pragma once
// The resolved build, printed in every run's banner and record.
#include <nlohmann/json.hpp>

namespace paratrain {

nlohmann::json build_info();

}  // namespace paratrain
