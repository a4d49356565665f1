// PUT /admin/v1/tuning body parsing and the tuning JSON (docs/contracts.md):
// pure functions, unit tested without a server.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "net/tuning_state.hpp"

namespace trove::admin {

struct TuningFieldError {
  std::string field;  // "arenaBytes", "epochMillis", "generation" or "" (whole body)
  std::string message;
};

// Reads {"arenaBytes":N,"epochMillis":M,"generation":G}; a missing arenaBytes
// or epochMillis keeps the current value, generation is required. Unknown
// members are refused so a typo never passes silently.
std::variant<net::Tuning, TuningFieldError> ParseTuningBody(std::string_view body,
                                                            const net::Tuning& current);

std::string TuningJson(const net::Tuning& tuning);

}  // namespace trove::admin
