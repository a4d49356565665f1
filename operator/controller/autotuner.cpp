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

AutotuneDecision decide(const AutotuneSpec& spec, std::int64_t preferred_epoch_millis,
                        const Tuning& current, const std::deque<AutotuneSample>& window) {
  const auto& t = spec.targets;
  const double min_size = static_cast<double>(spec.min_size_mib) * kMiB;
  const double max_size = static_cast<double>(spec.max_size_mib) * kMiB;
  const double min_epoch = static_cast<double>(spec.min_epoch_millis);
  const double max_epoch = static_cast<double>(spec.max_epoch_millis);
  // Bounds are hard: a pod outside them is brought inside at once, undamped.
  const double cur_size = clampd(static_cast<double>(current.arena_bytes), min_size, max_size);
  const double cur_epoch = clampd(static_cast<double>(current.epoch_millis), min_epoch, max_epoch);
  const double preferred =
      clampd(static_cast<double>(preferred_epoch_millis), min_epoch, max_epoch);

  AutotuneDecision d;
  d.arena_bytes = static_cast<std::int64_t>(cur_size);
  d.epoch_millis = static_cast<std::int64_t>(cur_epoch);
  if (window.empty()) {
    d.explanation = fmt("no epochs observed yet; keeping %.0f MiB / %.0f ms within bounds",
                        cur_size / kMiB, cur_epoch);
    return d;
  }

  // --- epoch: keep reset+purge inside its budget and RSS under its cap ---
  const AutotuneSample& last = window.back();
  const double budget = static_cast<double>(t.reset_purge_budget_micros);
  const double cost = std::max(last.reset_purge_micros, 0.0);
  const double cap = static_cast<double>(t.max_rss_mib) * kMiB;
  const double rss = static_cast<double>(std::max<std::int64_t>(last.rss_bytes, 0));
  const double margin = 1.0 - static_cast<double>(t.hysteresis_percent) / 100.0;
  double epoch_target = cur_epoch;
  std::string epoch_why;
  if (cost > budget || (cap > 0 && rss > cap)) {
    // Both scale with bytes per epoch, i.e. with the epoch length.
    double factor = 1.0;
    if (cost > budget) factor = std::min(factor, budget / cost);
    if (cap > 0 && rss > cap) factor = std::min(factor, cap / rss);
    epoch_target = cur_epoch * factor;
    epoch_why = cost > budget ? fmt("reset+purge p99 %.0f us over %.0f us budget", cost, budget)
                              : fmt("RSS %.0f MiB over %.0f MiB cap", rss / kMiB, cap / kMiB);
  } else if (cur_epoch < preferred) {
    // Lengthen only as far as the predicted cost stays under budget*margin
    // (and RSS under cap*margin): after it, nothing pushes it back down.
    double reach = preferred;
    if (cost > 0) reach = std::min(reach, cur_epoch * budget * margin / cost);
    if (cap > 0 && rss > 0) reach = std::min(reach, cur_epoch * cap * margin / rss);
    epoch_target = std::max(cur_epoch, std::floor(reach));
    epoch_why = fmt("reset+purge p99 %.0f us within %.0f us budget; toward %.0f ms", cost, budget,
                    preferred);
  } else if (cur_epoch > preferred) {
    epoch_target = preferred;
    epoch_why = fmt("back to the hunt's %.0f ms epoch", preferred);
  } else {
    epoch_why = fmt("reset+purge p99 %.0f us within %.0f us budget", cost, budget);
  }
  epoch_target = clampd(epoch_target, min_epoch, max_epoch);
  const bool epoch_anchor =
      epoch_target == preferred || epoch_target == min_epoch || epoch_target == max_epoch;
  double new_epoch =
      damp(cur_epoch, epoch_target, t.max_step_percent, t.hysteresis_percent, epoch_anchor);
  // Whole milliseconds. A shortening rounds down and always moves at least
  // one millisecond (shorter only lowers cost); a lengthening rounds down and
  // never past its target, since overshooting the budget would flip it back.
  if (new_epoch < cur_epoch) {
    new_epoch = std::min(std::floor(new_epoch), cur_epoch - 1);
  } else {
    new_epoch = std::max(std::floor(new_epoch), cur_epoch);
  }
  new_epoch = clampd(new_epoch, min_epoch, max_epoch);

  // --- arena: high percentile of bytes per epoch-millisecond, at new epoch ---
  std::vector<double> per_ms;
  per_ms.reserve(window.size());
  std::int64_t overflows = 0;
  for (const auto& s : window) {
    const double e = static_cast<double>(std::max<std::int64_t>(s.epoch_millis, 1));
    per_ms.push_back(static_cast<double>(std::max<std::int64_t>(s.high_water_bytes, 0)) / e);
    overflows = std::max(overflows, s.overflows);
  }
  const double need = percentile(per_ms, kHighWaterPercentile) * new_epoch;
  const double headroom = 1.0 + static_cast<double>(t.headroom_percent) / 100.0;
  const double want = clampd(std::ceil(need * headroom / kMiB) * kMiB, min_size, max_size);
  double new_size = damp(cur_size, want, t.max_step_percent, t.hysteresis_percent,
                         want == min_size || want == max_size);
  // Whole MiB, rounded away from the current size but never past the
  // target: plain rounding would undo a small step (1.5 MiB back to 2).
  if (new_size > cur_size) {
    new_size = std::min(std::ceil(new_size / kMiB) * kMiB, std::max(want, cur_size));
  } else if (new_size < cur_size) {
    new_size = std::max(std::floor(new_size / kMiB) * kMiB, std::min(want, cur_size));
  }
  new_size = clampd(new_size, min_size, max_size);

  d.arena_bytes = static_cast<std::int64_t>(new_size);
  d.epoch_millis = static_cast<std::int64_t>(new_epoch);
  d.explanation =
      fmt("arena %.0f->%.0f MiB (p90 high-water %.1f MiB/epoch", cur_size / kMiB, new_size / kMiB,
          need / kMiB) +
      fmt(" over %.0f samples, +%.0f%% headroom = %.0f MiB", static_cast<double>(window.size()),
          static_cast<double>(t.headroom_percent), want / kMiB) +
      (overflows > 0 ? fmt(", %.0f overflows", static_cast<double>(overflows)) : "") +
      fmt("); epoch %.0f->%.0f ms (", cur_epoch, new_epoch) + epoch_why + ")";
  return d;
}

}  // namespace trove::controller
