// Builds a TreasureHunt's .status from one reconcile's outcome, carrying over
// from the previous status what must stay stable: a condition's
// lastTransitionTime while its status holds, and a pod's appliedTime and
// decision while its tuning holds. The result compares equal to the previous
// status when nothing changed, so the reconciler can skip the write.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "controller/desired_tuning.hpp"

namespace trove::controller {

// Per-pod entries kept in status (the CRD's maxItems): etcd objects stay small.
inline constexpr std::size_t kMaxStatusPods = 200;

enum class PodErrorKind { kNone, kUnreachable, kUnauthorized, kRejected, kBadAnswer };

struct PodOutcome {
  std::string name;
  DesiredTuning desired;
  std::optional<Tuning> running;  // what the sidecar runs after this reconcile, if known
  PodErrorKind error_kind = PodErrorKind::kNone;
  std::string error;  // human text, names what failed
  bool tuned() const {
    return error_kind == PodErrorKind::kNone && running && running->satisfies(desired.tuning);
  }
};

struct Conflict {
  std::string pod;
  std::string owner;  // the older hunt that tunes it
};

struct StatusInput {
  std::int64_t generation = 0;
  std::string spec_error;  // non-empty: the spec is invalid, nothing was tuned
  std::vector<PodOutcome> pods;
  std::vector<Conflict> conflicts;
  std::string now;  // RFC 3339 UTC, used only for transitions
};

// previous: the object's current .status (may be null or absent).
rapidjson::Document build_status(const StatusInput& in, const rapidjson::Value* previous);

// Deep comparison that ignores member order; null/absent previous differs
// from any built status.
bool same_status(const rapidjson::Value& built, const rapidjson::Value* previous);

// A condition of a status object, or nullptr.
const rapidjson::Value* find_condition(const rapidjson::Value& status, const char* type);

// RFC 3339 UTC now, second precision (what the API server writes).
std::string rfc3339_now();

}  // namespace trove::controller
