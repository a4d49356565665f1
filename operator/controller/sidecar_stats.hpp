// What the operator reads from and writes to a sidecar's admin API
// (docs/contracts.md): the tuning (values, generation, owner) and the
// /admin/v1/stats snapshot.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace trove::controller {

struct Tuning {
  std::int64_t arena_bytes = 0;
  std::int64_t epoch_millis = 0;
  std::int64_t generation = 0;
  // Who set it: the operator sends its TreasureHunt's metadata.uid. The
  // sidecar orders generations only within one owner ("" = none named).
  std::string owner{};  // {} so brace-initialising the first three stays warning-free

  // Same values; the generation is bookkeeping, not tuning.
  bool same_values(const Tuning& o) const {
    return arena_bytes == o.arena_bytes && epoch_millis == o.epoch_millis;
  }
  // What a sidecar runs (this) needs no push to become `desired`: the same
  // values, set by the same owner. A recreated hunt (new uid, generation
  // back at 1) or a pod moved to another hunt must push even when the values
  // match, so the sidecar learns its new owner and the new owner's later
  // generations are not refused as stale against the old owner's.
  bool satisfies(const Tuning& desired) const {
    return same_values(desired) && owner == desired.owner;
  }
};

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

// Parses the body of GET/PUT /admin/v1/tuning. A missing "owner" (a sidecar
// from before owners, or none named yet) reads as "".
std::optional<Tuning> parse_tuning(std::string_view body, std::string& error);

// Renders the PUT /admin/v1/tuning body. An empty owner is left out: a
// sidecar reads a missing owner as "", and a sidecar from before owners
// refuses the member (400) whatever its value.
std::string render_tuning(const Tuning& t);

// True when a PUT /admin/v1/tuning answer is a sidecar from before owners
// refusing the "owner" member: status 400 and a JSON object whose "field" is
// exactly "owner". Any other answer (another field, 409, not JSON) is false.
bool rejects_owner_field(int status, std::string_view body);

}  // namespace trove::controller
