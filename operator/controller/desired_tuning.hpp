// The tuning a pod should run: an override naming the pod wins, then the
// autotuner's decision (when the hunt enables it), then the hunt's static
// arena. Pure and total: every input maps to a tuning inside the sidecar's
// bounds, stamped with the hunt's generation and owned by the hunt's uid.
#pragma once

#include <string>
#include <string_view>

#include "controller/autotuner.hpp"
#include "controller/hunt_spec.hpp"
#include "controller/sidecar_stats.hpp"

namespace trove::controller {

enum class TuningSource { kStatic, kAutotune, kOverride };
const char* to_string(TuningSource s);

struct DesiredTuning {
  Tuning tuning;
  TuningSource source = TuningSource::kStatic;
  std::string decision;  // why: the autotuner's explanation, or which rule applied
};

// autotune: the autotuner's decision for this pod, or nullptr when there is
// none (autotune off, or no stats yet).
DesiredTuning desired_tuning(const Hunt& hunt, std::string_view pod,
                             const AutotuneDecision* autotune);

}  // namespace trove::controller
