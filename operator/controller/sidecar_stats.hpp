// What the operator reads from and writes to a sidecar's admin API
// (docs/contracts.md): the tuning (values, generation, owner) and the
// /admin/v1/stats snapshot.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "trove/common/tuning.hpp"

namespace trove::controller {

// The tuning document, its validation and its rendering are common's, the
// same code trove-server accepts PUT bodies with.
using Tuning = common::Tuning;

struct SidecarStats {
  Tuning tuning;
  std::int64_t workers = 1;
  std::int64_t window_epochs = 0;  // 0: no epoch finished yet, nothing to learn from
  std::int64_t high_water_p90 = 0;
  std::int64_t high_water_p99 = 0;
  std::int64_t high_water_max = 0;
  double reset_micros_p99 = 0;
  double purge_micros_p99 = 0;
  std::int64_t overflows = 0;
  double messages_per_second = 0;
  std::int64_t rss_bytes = 0;
};

// Parses GET /admin/v1/stats. Missing optional figures read as 0; a body
// that is not JSON, or lacks a valid tuning, is an error (returns nothing).
std::optional<SidecarStats> parse_sidecar_stats(std::string_view body, std::string& error);

// Parses the body of GET/PUT /admin/v1/tuning (common::read_tuning_answer's
// rules). A missing "owner" (a sidecar from before owners, or none named
// yet) reads as "".
std::optional<Tuning> parse_tuning(std::string_view body, std::string& error);

// True when a PUT /admin/v1/tuning answer is a sidecar from before owners
// refusing the "owner" member: status 400 and a JSON object whose "field" is
// exactly "owner". Any other answer (another field, 409, not JSON) is false.
bool rejects_owner_field(int status, std::string_view body);

}  // namespace trove::controller
