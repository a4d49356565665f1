// The admin API's names for the tuning document's parser and renderer
// (docs/contracts.md, PUT/GET /admin/v1/tuning). The rules themselves live in
// trove/common/tuning.hpp, shared with trove-operator, so the two binaries
// cannot drift apart; these forwarders keep the admin service's spelling.
#pragma once

#include <string>
#include <string_view>

#include "net/tuning_state.hpp"
#include "trove/common/tuning.hpp"

namespace trove::admin {

using common::TuningFieldError;

// See common::parse_tuning_update.
inline common::TuningOrError ParseTuningBody(std::string_view body, const net::Tuning& current) {
  return common::parse_tuning_update(body, current);
}

// See common::render_tuning.
inline std::string TuningJson(const net::Tuning& tuning) {
  return common::render_tuning(tuning);
}

}  // namespace trove::admin
