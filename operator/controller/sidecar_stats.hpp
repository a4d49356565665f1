// What the operator reads from and writes to a sidecar's admin API
// (docs/contracts.md): the tuning triple and the /admin/v1/stats snapshot.
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

  // Same values; the generation is bookkeeping, not tuning.
  bool same_values(const Tuning& o) const {
    return arena_bytes == o.arena_bytes && epoch_millis == o.epoch_millis;
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

// Parses the body of GET/PUT /admin/v1/tuning.
std::optional<Tuning> parse_tuning(std::string_view body, std::string& error);

// Renders the PUT /admin/v1/tuning body.
std::string render_tuning(const Tuning& t);

}  // namespace trove::controller
