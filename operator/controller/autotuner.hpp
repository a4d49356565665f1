// The autotuner: from a pod's recent stats, the arena size and epoch length
// it should run with. Pure: the reconciler keeps each pod's window of samples
// and calls decide() once per autotune interval.
//
// Arena: the per-epoch high-water scales with the epoch length, so each
// sample is turned into bytes per millisecond of epoch; the size is a high
// percentile of that over the window, times the (new) epoch, plus headroom.
// Epoch: shortened while reset+purge p99 exceeds its budget or RSS exceeds
// its cap (both scale with bytes per epoch); lengthened back toward the
// hunt's static epoch only when the prediction at the longer epoch stays
// inside the budget by the hysteresis margin.
// Damping: no value moves more than maxStepPercent per decision, and a
// change smaller than hysteresisPercent is not made. The size target does
// not depend on the current size, and a lengthening is only made when its
// predicted cost is below the shortening threshold, so decisions converge and
// never flip back and forth under steady load.
#pragma once

#include <cstdint>
#include <deque>
#include <string>

#include "controller/hunt_spec.hpp"
#include "controller/sidecar_stats.hpp"

namespace trove::controller {

struct AutotuneSample {
  std::int64_t high_water_bytes = 0;  // per-epoch high-water p99 of the sidecar's window
  std::int64_t epoch_millis = 1;      // the epoch that high-water was measured at
  std::int64_t workers = 1;
  double reset_purge_micros = 0;  // p99 reset + p99 purge
  std::int64_t rss_bytes = 0;
  std::int64_t overflows = 0;
};

// Turns a stats snapshot into a sample; nullopt-like `valid` false when the
// sidecar has finished no epoch yet.
struct SampleResult {
  bool valid = false;
  AutotuneSample sample;
};
SampleResult sample_from_stats(const SidecarStats& stats);

struct AutotuneDecision {
  std::int64_t arena_bytes = 0;
  std::int64_t epoch_millis = 0;
  std::string explanation;  // one line, for the status entry and the Event
};

// window: oldest first, newest last (the newest drives epoch decisions);
// current: what the pod runs now; preferred_epoch_millis: the hunt's static
// epoch, which the tuner returns to when the budget allows.
AutotuneDecision decide(const AutotuneSpec& spec, std::int64_t preferred_epoch_millis,
                        const Tuning& current, const std::deque<AutotuneSample>& window);

// Keeps at most spec.window_samples samples, oldest dropped first.
void push_sample(std::deque<AutotuneSample>& window, const AutotuneSample& s,
                 std::int64_t window_samples);

}  // namespace trove::controller
