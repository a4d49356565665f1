// Durations on the command line and in env: "15s", "500ms", "2m", "1h",
// "1.5s", or a bare number of seconds (like controller-runtime's flags).
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace trove::controller {

// nullopt on garbage, negatives, or anything above a day (no knob needs more).
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace trove::controller
