// PUT /admin/v1/tuning body parsing and the tuning JSON (docs/contracts.md):
// pure functions, unit tested without a server.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "net/tuning_state.hpp"

namespace trove::admin {

struct TuningFieldError {
  std::string field;  // "arenaBytes", "epochMillis", "generation", "owner" or "" (whole body)
  std::string message;
};

// Reads {"arenaBytes":N,"epochMillis":M,"generation":G,"owner":"O"}; a missing
// arenaBytes or epochMillis keeps the current value, generation is required,
// a missing owner is the owner "" (what every writer was before owners
// existed, so old writers keep their generation ordering). The owner is
// 0..common::kMaxTuningOwnerBytes of printable ASCII. Unknown members are refused so a typo
// never passes silently.
std::variant<net::Tuning, TuningFieldError> ParseTuningBody(std::string_view body,
                                                            const net::Tuning& current);

// {"arenaBytes":N,"epochMillis":M,"generation":G,"owner":"O"}; "owner" is
// left out while it is "", so readers from before owners see the same bytes.
std::string TuningJson(const net::Tuning& tuning);

}  // namespace trove::admin
