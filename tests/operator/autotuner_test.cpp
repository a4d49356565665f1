#include "controller/autotuner.hpp"

#include <gtest/gtest.h>

#include <random>
#include <utility>

namespace trove::controller {
namespace {

constexpr std::int64_t MiB = kBytesPerMiB;

AutotuneSpec spec() {
  AutotuneSpec s;
  s.enabled = true;
  s.min_size_mib = 16;
  s.max_size_mib = 1024;
  s.min_epoch_millis = 4;
  s.max_epoch_millis = 64;
  s.window_samples = 6;
  s.targets.reset_purge_budget_micros = 500;
  s.targets.headroom_percent = 25;
  s.targets.max_step_percent = 25;
  s.targets.hysteresis_percent = 10;
  return s;
}

// A simulated pod: fills `bytes_per_ms` per millisecond of epoch, spends
// `cost_per_ms` microseconds of reset+purge per millisecond of epoch, and
// holds `base_rss` plus its arenas.
struct PodModel {
  double bytes_per_ms = 1.0 * MiB;
  double cost_per_ms = 5;
  std::int64_t base_rss = 64 * MiB;
  double jitter = 0;  // relative noise on the high-water
};

struct Trajectory {
  std::vector<Tuning> steps;
  std::vector<std::string> explanations;
};

Trajectory simulate(const AutotuneSpec& s, PodModel m, Tuning start, int rounds,
                    std::int64_t preferred_epoch = 16, unsigned seed = 1) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> noise(-m.jitter, m.jitter);
  std::deque<AutotuneSample> window;
  Trajectory t;
  Tuning cur = std::move(start);
  for (int i = 0; i < rounds; ++i) {
    AutotuneSample smp;
    smp.epoch_millis = cur.epoch_millis;
    smp.high_water_bytes = static_cast<std::int64_t>(
        m.bytes_per_ms * static_cast<double>(cur.epoch_millis) * (1 + noise(rng)));
    smp.reset_purge_micros = m.cost_per_ms * static_cast<double>(cur.epoch_millis);
    smp.rss_bytes = m.base_rss + cur.arena_bytes;
    smp.workers = 1;
    push_sample(window, smp, s.window_samples);
    auto d = decide(s, preferred_epoch, cur, window);
    cur.arena_bytes = d.arena_bytes;
    cur.epoch_millis = d.epoch_millis;
    t.steps.push_back(cur);
    t.explanations.push_back(d.explanation);
  }
  return t;
}

// Each value moves in one direction only, then stays.
void expect_monotone_then_flat(const Trajectory& t, const char* what, bool include_arena = true) {
  std::vector<std::uint64_t Tuning::*> fields{&Tuning::epoch_millis};
  if (include_arena) fields.push_back(&Tuning::arena_bytes);
  for (auto field : fields) {
    int direction = 0;
    for (std::size_t i = 1; i < t.steps.size(); ++i) {
      const auto a = t.steps[i - 1].*field;
      const auto b = t.steps[i].*field;
      if (a == b) continue;
      const int d = b > a ? 1 : -1;
      EXPECT_TRUE(direction == 0 || direction == d)
          << what << ": reversed direction at round " << i << ": " << t.explanations[i];
      direction = d;
    }
  }
  ASSERT_GE(t.steps.size(), 5u);
  const Tuning& last = t.steps.back();
  for (std::size_t i = t.steps.size() - 5; i < t.steps.size(); ++i) {
    EXPECT_TRUE(t.steps[i].same_values(last)) << what << ": still moving at round " << i;
  }
}

TEST(Autotuner, NoSamplesKeepsCurrentTuningInsideBounds) {
  auto d = decide(spec(), 16, Tuning{128 * MiB, 16, 1}, {});
  EXPECT_EQ(d.arena_bytes, 128 * MiB);
  EXPECT_EQ(d.epoch_millis, 16);
  EXPECT_NE(d.explanation.find("no epochs"), std::string::npos);
  auto out = decide(spec(), 16, Tuning{4096 * MiB, 1000, 1}, {});
  EXPECT_EQ(out.arena_bytes, 1024 * MiB) << "bounds are hard, even without data";
  EXPECT_EQ(out.epoch_millis, 64);
}

TEST(Autotuner, HeavyLoadGrowsTheArenaInDampedStepsAndSettles) {
  PodModel heavy;
  heavy.bytes_per_ms = 20.0 * MiB;  // 320 MiB per 16 ms epoch
  auto t = simulate(spec(), heavy, Tuning{128 * MiB, 16, 1}, 30);
  EXPECT_EQ(t.steps[0].arena_bytes, 160 * MiB)
      << "first step limited to +25%: " << t.explanations[0];
  expect_monotone_then_flat(t, "heavy");
  // 320 MiB * 1.25 headroom = 400 MiB, reached within the 10% hysteresis band.
  EXPECT_GE(t.steps.back().arena_bytes, 360 * MiB);
  EXPECT_LE(t.steps.back().arena_bytes, 400 * MiB);
  EXPECT_EQ(t.steps.back().epoch_millis, 16);
}

TEST(Autotuner, LightLoadShrinksToTheMinimum) {
  PodModel light;
  light.bytes_per_ms = 0.05 * MiB;  // under 1 MiB per epoch
  auto t = simulate(spec(), light, Tuning{128 * MiB, 16, 1}, 30);
  expect_monotone_then_flat(t, "light");
  EXPECT_EQ(t.steps.back().arena_bytes, 16 * MiB);
  EXPECT_EQ(t.steps[0].arena_bytes, 96 * MiB) << "first step limited to -25%";
}

TEST(Autotuner, ResetPurgeOverBudgetShortensTheEpochUntilWithinBudget) {
  PodModel costly;
  costly.cost_per_ms = 100;  // 1600 us at 16 ms: 3.2x the 500 us budget
  costly.bytes_per_ms = 4.0 * MiB;
  auto t = simulate(spec(), costly, Tuning{128 * MiB, 16, 1}, 30);
  expect_monotone_then_flat(t, "costly");
  EXPECT_EQ(t.steps[0].epoch_millis, 12) << t.explanations[0];
  EXPECT_NE(t.explanations[0].find("over 500 us budget"), std::string::npos);
  EXPECT_LE(100.0 * static_cast<double>(t.steps.back().epoch_millis), 500.0);
  EXPECT_GE(t.steps.back().epoch_millis, 4);
  // Arena follows the shorter epoch: 4 MiB/ms * epoch * 1.25, within 10%.
  const double want = 4.0 * static_cast<double>(t.steps.back().epoch_millis) * 1.25 * MiB;
  EXPECT_NEAR(static_cast<double>(t.steps.back().arena_bytes), want, 0.11 * want + MiB);
}

TEST(Autotuner, RssOverCapShortensTheEpoch) {
  AutotuneSpec s = spec();
  s.targets.max_rss_mib = 256;
  PodModel fat;
  fat.base_rss = 400 * MiB;
  auto d = simulate(s, fat, Tuning{64 * MiB, 16, 1}, 1);
  EXPECT_LT(d.steps[0].epoch_millis, 16);
  EXPECT_NE(d.explanations[0].find("RSS"), std::string::npos) << d.explanations[0];
}

TEST(Autotuner, EpochReturnsTowardPreferredOnlyWhileThePredictionFitsTheBudget) {
  PodModel cheap;
  cheap.cost_per_ms = 20;  // 320 us at 16 ms: within budget
  auto t = simulate(spec(), cheap, Tuning{64 * MiB, 4, 1}, 30, /*preferred_epoch=*/16);
  // The arena follows the epoch (first down to the minimum, then up with the
  // longer epoch), so only the epoch is required to move one way.
  expect_monotone_then_flat(t, "lengthen", /*include_arena=*/false);
  EXPECT_EQ(t.steps.back().epoch_millis, 16);

  PodModel tight;
  tight.cost_per_ms = 40;  // budget 500 * 0.9 margin allows 11.25 ms
  auto u = simulate(spec(), tight, Tuning{64 * MiB, 4, 1}, 30, 16);
  expect_monotone_then_flat(u, "lengthen-limited", false);
  EXPECT_LE(40 * u.steps.back().epoch_millis, 500) << "lengthened past the budget";
  EXPECT_GE(u.steps.back().epoch_millis, 8);
}

TEST(Autotuner, NoisyLoadDoesNotOscillate) {
  PodModel noisy;
  noisy.bytes_per_ms = 6.0 * MiB;
  noisy.jitter = 0.08;
  for (unsigned seed = 1; seed <= 20; ++seed) {
    auto t = simulate(spec(), noisy, Tuning{128 * MiB, 16, 1}, 60, 16, seed);
    int changes_after_settling = 0;
    for (std::size_t i = 30; i < t.steps.size(); ++i) {
      if (!t.steps[i].same_values(t.steps[i - 1])) ++changes_after_settling;
    }
    EXPECT_EQ(changes_after_settling, 0) << "seed " << seed;
  }
}

TEST(Autotuner, HostileSamplesStayInBoundsWithoutOverflow) {
  std::deque<AutotuneSample> w;
  AutotuneSample huge;
  huge.high_water_bytes = INT64_MAX;
  huge.epoch_millis = 1;
  huge.reset_purge_micros = 1e300;
  huge.rss_bytes = INT64_MAX;
  push_sample(w, huge, 6);
  AutotuneSpec s = spec();
  s.targets.max_rss_mib = 1;
  auto d = decide(s, 16, Tuning{128 * MiB, 16, 1}, w);
  EXPECT_GE(d.arena_bytes, 16 * MiB);
  EXPECT_LE(d.arena_bytes, 1024 * MiB);
  EXPECT_GE(d.epoch_millis, 4);
  EXPECT_LE(d.epoch_millis, 64);

  AutotuneSample neg;
  neg.high_water_bytes = -100;
  neg.epoch_millis = -7;
  neg.reset_purge_micros = -1;
  neg.rss_bytes = -1;
  w.clear();
  push_sample(w, neg, 6);
  d = decide(spec(), 16, Tuning{0, 0, 0}, w);
  EXPECT_EQ(d.arena_bytes, 16 * MiB);
  EXPECT_EQ(d.epoch_millis, 5) << "clamped to 4 ms, then one step toward 16 ms: no cost seen";
}

TEST(Autotuner, SmallArenasStillMoveByWholeMiB) {
  // 2 MiB shrinking by 25% is 1.5 MiB: rounding must not put it back at 2.
  PodModel idle;
  idle.bytes_per_ms = 0;
  AutotuneSpec s = spec();
  s.min_size_mib = 1;
  auto t = simulate(s, idle, Tuning{3 * MiB, 16, 1}, 10);
  EXPECT_EQ(t.steps[0].arena_bytes, 2 * MiB);
  EXPECT_EQ(t.steps[1].arena_bytes, 1 * MiB);
  PodModel busy;
  busy.bytes_per_ms = 0.4 * MiB;  // 6.4 MiB per 16 ms epoch, +25% = 8 MiB
  auto u = simulate(s, busy, Tuning{2 * MiB, 16, 1}, 12);
  EXPECT_EQ(u.steps[0].arena_bytes, 3 * MiB) << "2.5 MiB rounds up, toward the target";
  expect_monotone_then_flat(u, "busy-small");
  EXPECT_EQ(u.steps.back().arena_bytes, 8 * MiB);
}

TEST(Autotuner, WindowKeepsTheNewestSamples) {
  std::deque<AutotuneSample> w;
  for (int i = 0; i < 10; ++i) {
    AutotuneSample s;
    s.high_water_bytes = i;
    push_sample(w, s, 4);
  }
  ASSERT_EQ(w.size(), 4u);
  EXPECT_EQ(w.front().high_water_bytes, 6);
  EXPECT_EQ(w.back().high_water_bytes, 9);
  push_sample(w, AutotuneSample{}, 0);
  EXPECT_EQ(w.size(), 1u) << "a zero window still keeps the newest sample";
}

TEST(Autotuner, SampleFromStatsNeedsAFinishedEpoch) {
  SidecarStats st;
  st.tuning = {64 * MiB, 8, 1};
  EXPECT_FALSE(sample_from_stats(st).valid);
  st.window_epochs = 10;
  st.high_water_p99 = 5 * MiB;
  st.reset_micros_p99 = 2;
  st.purge_micros_p99 = 100;
  auto r = sample_from_stats(st);
  ASSERT_TRUE(r.valid);
  EXPECT_EQ(r.sample.high_water_bytes, 5 * MiB);
  EXPECT_EQ(r.sample.epoch_millis, 8);
  EXPECT_DOUBLE_EQ(r.sample.reset_purge_micros, 102);
}

TEST(Autotuner, HighPercentileIgnoresASingleOutlier) {
  std::deque<AutotuneSample> w;
  for (int i = 0; i < 12; ++i) {
    AutotuneSample s;
    s.epoch_millis = 16;
    s.high_water_bytes = (i == 5 ? 1000 : 32) * MiB;
    push_sample(w, s, 12);
  }
  AutotuneSpec s = spec();
  s.targets.max_step_percent = 100;
  auto d = decide(s, 16, Tuning{40 * MiB, 16, 1}, w);
  EXPECT_EQ(d.arena_bytes, 40 * MiB)
      << "32 MiB * 1.25 = 40 MiB; the outlier is above p90: " << d.explanation;
}

}  // namespace
}  // namespace trove::controller
