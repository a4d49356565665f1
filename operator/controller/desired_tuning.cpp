#include "controller/desired_tuning.hpp"

#include <algorithm>

namespace trove::controller {

const char* to_string(TuningSource s) {
  switch (s) {
    case TuningSource::kStatic:
      return "static";
    case TuningSource::kAutotune:
      return "autotune";
    case TuningSource::kOverride:
      return "override";
  }
  return "static";
}

namespace {

std::int64_t mib_to_bytes(std::int64_t mib) {
  return std::clamp(mib, kMinSizeMiB, kMaxSizeMiB) * kBytesPerMiB;
}

std::int64_t clamp_epoch(std::int64_t ms) {
  return std::clamp(ms, kMinEpochMillis, kMaxEpochMillis);
}

}  // namespace

DesiredTuning desired_tuning(const Hunt& hunt, std::string_view pod,
                             const AutotuneDecision* autotune) {
  DesiredTuning d;
  d.tuning.generation = hunt.generation;
  d.tuning.owner = hunt.uid;  // generations restart at 1 when a hunt is recreated
  const bool use_autotune = hunt.spec.autotune.enabled && autotune != nullptr;
  if (use_autotune) {
    d.tuning.arena_bytes =
        std::clamp(autotune->arena_bytes, kMinSizeMiB * kBytesPerMiB, kMaxSizeMiB * kBytesPerMiB);
    d.tuning.epoch_millis = clamp_epoch(autotune->epoch_millis);
    d.source = TuningSource::kAutotune;
    d.decision = autotune->explanation;
  } else {
    d.tuning.arena_bytes = mib_to_bytes(hunt.spec.arena.size_mib);
    d.tuning.epoch_millis = clamp_epoch(hunt.spec.arena.epoch_millis);
    d.source = TuningSource::kStatic;
    d.decision = "static spec.arena";
  }
  auto it = hunt.spec.overrides.find(std::string(pod));
  if (it != hunt.spec.overrides.end()) {
    // A field the override leaves out keeps the value the pod would
    // otherwise get, so an override of the size alone still autotunes the epoch.
    if (it->second.size_mib) d.tuning.arena_bytes = mib_to_bytes(*it->second.size_mib);
    if (it->second.epoch_millis) d.tuning.epoch_millis = clamp_epoch(*it->second.epoch_millis);
    d.source = TuningSource::kOverride;
    d.decision = "spec.overrides names this pod";
  }
  return d;
}

}  // namespace trove::controller
