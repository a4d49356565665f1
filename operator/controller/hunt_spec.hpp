// TreasureHunt spec as plain values, parsed from the custom resource's JSON.
// The API server applies the CRD's defaults and validations, but the operator
// must not trust that (an older CRD, a hand-edited object, a fake server):
// parse_hunt_spec re-applies the same defaults and rejects what the CRD
// rejects, so every later step works on values inside the sidecar's bounds.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "controller/label_selector.hpp"
#include "trove/common/tuning.hpp"

namespace trove::controller {

// Bounds of trove-server's PUT /admin/v1/tuning (docs/contracts.md), in the
// spec's units and signed like the Kubernetes integers they check.
inline constexpr std::int64_t kBytesPerMiB = 1024 * 1024;
inline constexpr auto kMinSizeMiB =
    static_cast<std::int64_t>(common::kMinArenaBytes) / kBytesPerMiB;
inline constexpr auto kMaxSizeMiB =
    static_cast<std::int64_t>(common::kMaxArenaBytes) / kBytesPerMiB;
inline constexpr auto kMinEpochMillis = static_cast<std::int64_t>(common::kMinEpochMillis);
inline constexpr auto kMaxEpochMillis = static_cast<std::int64_t>(common::kMaxEpochMillis);

struct ArenaSpec {
  std::int64_t size_mib = 128;     // trove-server's --arena-mib default
  std::int64_t epoch_millis = 16;  // trove-server's --epoch-ms default
};

struct AutotuneTargets {
  std::int64_t reset_purge_budget_micros = 500;
  std::int64_t max_rss_mib = 0;  // 0: no cap
  std::int64_t headroom_percent = 25;
  std::int64_t max_step_percent = 25;
  std::int64_t hysteresis_percent = 10;
};

struct AutotuneSpec {
  bool enabled = false;
  std::int64_t min_size_mib = 16;
  std::int64_t max_size_mib = 1024;
  std::int64_t min_epoch_millis = 4;
  std::int64_t max_epoch_millis = 64;
  std::int64_t window_samples = 6;
  AutotuneTargets targets;
};

struct PodOverride {
  std::optional<std::int64_t> size_mib;
  std::optional<std::int64_t> epoch_millis;
};

struct TokenSecretRef {
  std::string name;
  std::string key = "token";
};

struct HuntSpec {
  LabelSelector selector;
  ArenaSpec arena;
  AutotuneSpec autotune;
  std::map<std::string, PodOverride> overrides;  // by pod name
  int admin_port = 9090;                         // trove-server's --admin-port default
  std::optional<TokenSecretRef> token_secret_ref;
};

// Identity and spec of one TreasureHunt object.
struct Hunt {
  std::string ns;
  std::string name;
  std::string uid;
  std::int64_t generation = 0;
  std::string creation_timestamp;  // RFC 3339, as the API server wrote it
  HuntSpec spec;
};

struct ParseResult {
  bool ok = false;
  Hunt hunt;          // metadata is filled even when the spec is invalid
  std::string error;  // when !ok: which field and why
};

// Parses a whole TreasureHunt object (metadata + spec).
ParseResult parse_hunt(const rapidjson::Value& object);

}  // namespace trove::controller
