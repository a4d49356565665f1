#include "controller/autotuner.hpp"

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <vector>

namespace trove::controller {

namespace {

// The percentile of per-epoch high-water the arena is sized for: high enough
// that bursts fit, not the max, so one outlier epoch does not double the arena
// (an epoch that overflows takes extra chunks anyway and is counted).
constexpr double kHighWaterPercentile = 0.9;

double clampd(double v, double lo, double hi) {
  return std::min(std::max(v, lo), hi);
}

// Nearest-rank percentile; `values` non-empty.
double percentile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
  return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

// Moves `current` toward `target` by at most step_percent of current; keeps
// current when the gap is under hysteresis_percent of current. A fixed anchor
// (a bound, the hunt's own epoch) is reached exactly: it does not move with
// the measurements, so the last small step cannot start an oscillation.
double damp(double current, double target, std::int64_t step_percent,
            std::int64_t hysteresis_percent, bool target_is_anchor) {
  const double gap = std::fabs(target - current);
  if (gap == 0) return current;
  if (!target_is_anchor && gap < current * static_cast<double>(hysteresis_percent) / 100.0) {
    return current;
  }
  const double max_step = current * static_cast<double>(step_percent) / 100.0;
  return target > current ? std::min(target, current + max_step)
                          : std::max(target, current - max_step);
}

__attribute__((format(printf, 1, 2))) std::string fmt(const char* f, ...) {
  char buf[256];
  va_list args;
  va_start(args, f);
  // False positive: va_start is the line above. clang-tidy 14's valist checker
  // misses it when another TU was analysed first in the same process (alone,
  // this file is clean), so lint.sh's batches of four TUs trip it.
  std::vsnprintf(buf, sizeof buf, f, args);  // NOLINT(clang-analyzer-valist.Uninitialized)
  va_end(args);
  return buf;
}

constexpr double kMiB = static_cast<double>(kBytesPerMiB);

}  // namespace

SampleResult sample_from_stats(const SidecarStats& stats) {
  SampleResult r;
  if (stats.window_epochs <= 0 || stats.tuning.epoch_millis <= 0) return r;
  r.valid = true;
  r.sample.high_water_bytes = stats.high_water_p99;
  r.sample.epoch_millis = stats.tuning.epoch_millis;
  r.sample.workers = std::max<std::int64_t>(stats.workers, 1);
  r.sample.reset_purge_micros = stats.reset_micros_p99 + stats.purge_micros_p99;
  r.sample.rss_bytes = stats.rss_bytes;
  r.sample.overflows = stats.overflows;
  return r;
}

void push_sample(std::deque<AutotuneSample>& window, const AutotuneSample& s,
                 std::int64_t window_samples) {
  window.push_back(s);
  const auto cap = static_cast<std::size_t>(std::max<std::int64_t>(window_samples, 1));
  while (window.size() > cap)
    window.pop_front();
}

namespace {

// The spec's bounds in bytes and milliseconds. Bounds are hard: a pod
// outside them is brought inside at once, undamped.
struct Bounds {
  double min_size;
  double max_size;
  double min_epoch;
  double max_epoch;
};

Bounds bounds_of(const AutotuneSpec& spec) {
  return {static_cast<double>(spec.min_size_mib) * kMiB,
          static_cast<double>(spec.max_size_mib) * kMiB, static_cast<double>(spec.min_epoch_millis),
          static_cast<double>(spec.max_epoch_millis)};
}

// Where the epoch should go, and why (undamped, unclamped).
struct EpochTarget {
  double millis;
  std::string why;
};

// Keeps reset+purge inside its budget and RSS under its cap, from the last
// sample; otherwise moves toward the hunt's preferred epoch.
EpochTarget epoch_target(const AutotuneTargets& t, const AutotuneSample& last, double cur_epoch,
                         double preferred) {
  const double budget = static_cast<double>(t.reset_purge_budget_micros);
  const double cost = std::max(last.reset_purge_micros, 0.0);
  const double cap = static_cast<double>(t.max_rss_mib) * kMiB;
  const double rss = static_cast<double>(std::max<std::int64_t>(last.rss_bytes, 0));
  const double margin = 1.0 - static_cast<double>(t.hysteresis_percent) / 100.0;
  if (cost > budget || (cap > 0 && rss > cap)) {
    // Both scale with bytes per epoch, i.e. with the epoch length.
    double factor = 1.0;
    if (cost > budget) factor = std::min(factor, budget / cost);
    if (cap > 0 && rss > cap) factor = std::min(factor, cap / rss);
    return {cur_epoch * factor,
            cost > budget ? fmt("reset+purge p99 %.0f us over %.0f us budget", cost, budget)
                          : fmt("RSS %.0f MiB over %.0f MiB cap", rss / kMiB, cap / kMiB)};
  }
  if (cur_epoch < preferred) {
    // Lengthen only as far as the predicted cost stays under budget*margin
    // (and RSS under cap*margin): after it, nothing pushes it back down.
    double reach = preferred;
    if (cost > 0) reach = std::min(reach, cur_epoch * budget * margin / cost);
    if (cap > 0 && rss > 0) reach = std::min(reach, cur_epoch * cap * margin / rss);
    return {std::max(cur_epoch, std::floor(reach)),
            fmt("reset+purge p99 %.0f us within %.0f us budget; toward %.0f ms", cost, budget,
                preferred)};
  }
  if (cur_epoch > preferred) return {preferred, fmt("back to the hunt's %.0f ms epoch", preferred)};
  return {cur_epoch, fmt("reset+purge p99 %.0f us within %.0f us budget", cost, budget)};
}

// The damped, whole-millisecond step from cur_epoch toward `target`.
double next_epoch(const AutotuneTargets& t, const Bounds& b, double cur_epoch, double preferred,
                  double target) {
  target = clampd(target, b.min_epoch, b.max_epoch);
  const bool anchor = target == preferred || target == b.min_epoch || target == b.max_epoch;
  double next = damp(cur_epoch, target, t.max_step_percent, t.hysteresis_percent, anchor);
  // Whole milliseconds. A shortening rounds down and always moves at least
  // one millisecond (shorter only lowers cost); a lengthening rounds down and
  // never past its target, since overshooting the budget would flip it back.
  if (next < cur_epoch) {
    next = std::min(std::floor(next), cur_epoch - 1);
  } else {
    next = std::max(std::floor(next), cur_epoch);
  }
  return clampd(next, b.min_epoch, b.max_epoch);
}

// The arena step: a high percentile of bytes per epoch-millisecond over the
// window, at the new epoch, plus headroom, damped, in whole MiB.
struct ArenaStep {
  double need = 0;  // bytes one epoch of the new length needs
  double want = 0;  // need plus headroom, whole MiB, within bounds
  double size = 0;  // the damped step toward want
  std::int64_t overflows = 0;
};

ArenaStep next_arena(const AutotuneTargets& t, const Bounds& b, double cur_size, double new_epoch,
                     const std::deque<AutotuneSample>& window) {
  ArenaStep a;
  std::vector<double> per_ms;
  per_ms.reserve(window.size());
  for (const auto& s : window) {
    const double e = static_cast<double>(std::max<std::int64_t>(s.epoch_millis, 1));
    per_ms.push_back(static_cast<double>(std::max<std::int64_t>(s.high_water_bytes, 0)) / e);
    a.overflows = std::max(a.overflows, s.overflows);
  }
  a.need = percentile(per_ms, kHighWaterPercentile) * new_epoch;
  const double headroom = 1.0 + static_cast<double>(t.headroom_percent) / 100.0;
  a.want = clampd(std::ceil(a.need * headroom / kMiB) * kMiB, b.min_size, b.max_size);
  double size = damp(cur_size, a.want, t.max_step_percent, t.hysteresis_percent,
                     a.want == b.min_size || a.want == b.max_size);
  // Whole MiB, rounded away from the current size but never past the
  // target: plain rounding would undo a small step (1.5 MiB back to 2).
  if (size > cur_size) {
    size = std::min(std::ceil(size / kMiB) * kMiB, std::max(a.want, cur_size));
  } else if (size < cur_size) {
    size = std::max(std::floor(size / kMiB) * kMiB, std::min(a.want, cur_size));
  }
  a.size = clampd(size, b.min_size, b.max_size);
  return a;
}

std::string explain(const AutotuneTargets& t, std::size_t samples, double cur_size,
                    const ArenaStep& arena, double cur_epoch, double new_epoch,
                    const std::string& epoch_why) {
  return fmt("arena %.0f->%.0f MiB (p90 high-water %.1f MiB/epoch", cur_size / kMiB,
             arena.size / kMiB, arena.need / kMiB) +
         fmt(" over %.0f samples, +%.0f%% headroom = %.0f MiB", static_cast<double>(samples),
             static_cast<double>(t.headroom_percent), arena.want / kMiB) +
         (arena.overflows > 0 ? fmt(", %.0f overflows", static_cast<double>(arena.overflows))
                              : "") +
         fmt("); epoch %.0f->%.0f ms (", cur_epoch, new_epoch) + epoch_why + ")";
}

}  // namespace

AutotuneDecision decide(const AutotuneSpec& spec, std::int64_t preferred_epoch_millis,
                        const Tuning& current, const std::deque<AutotuneSample>& window) {
  const Bounds b = bounds_of(spec);
  const double cur_size = clampd(static_cast<double>(current.arena_bytes), b.min_size, b.max_size);
  const double cur_epoch =
      clampd(static_cast<double>(current.epoch_millis), b.min_epoch, b.max_epoch);
  const double preferred =
      clampd(static_cast<double>(preferred_epoch_millis), b.min_epoch, b.max_epoch);

  AutotuneDecision d;
  d.arena_bytes = static_cast<std::int64_t>(cur_size);
  d.epoch_millis = static_cast<std::int64_t>(cur_epoch);
  if (window.empty()) {
    d.explanation = fmt("no epochs observed yet; keeping %.0f MiB / %.0f ms within bounds",
                        cur_size / kMiB, cur_epoch);
    return d;
  }
  const EpochTarget target = epoch_target(spec.targets, window.back(), cur_epoch, preferred);
  const double new_epoch = next_epoch(spec.targets, b, cur_epoch, preferred, target.millis);
  const ArenaStep arena = next_arena(spec.targets, b, cur_size, new_epoch, window);
  d.arena_bytes = static_cast<std::int64_t>(arena.size);
  d.epoch_millis = static_cast<std::int64_t>(new_epoch);
  d.explanation =
      explain(spec.targets, window.size(), cur_size, arena, cur_epoch, new_epoch, target.why);
  return d;
}

}  // namespace trove::controller
