#include "controller/desired_tuning.hpp"

#include <gtest/gtest.h>

namespace trove::controller {
namespace {

constexpr std::int64_t MiB = kBytesPerMiB;

Hunt hunt() {
  Hunt h;
  h.name = "h";
  h.generation = 7;
  h.uid = "5d1c2b3a-0000-4000-8000-00000000abcd";
  h.spec.arena = {64, 8};
  return h;
}

TEST(DesiredTuning, StaticWhenAutotuneIsOff) {
  AutotuneDecision ignored{512 * MiB, 4, "x"};
  auto d = desired_tuning(hunt(), "p", &ignored);
  EXPECT_EQ(d.source, TuningSource::kStatic);
  EXPECT_EQ(d.tuning.arena_bytes, 64 * MiB);
  EXPECT_EQ(d.tuning.epoch_millis, 8);
  EXPECT_EQ(d.tuning.generation, 7) << "pushed with the hunt's generation";
  EXPECT_EQ(d.tuning.owner, "5d1c2b3a-0000-4000-8000-00000000abcd") << "owned by the hunt's uid";
}

TEST(DesiredTuning, AutotuneWinsOverStatic) {
  Hunt h = hunt();
  h.spec.autotune.enabled = true;
  AutotuneDecision a{200 * MiB, 12, "because"};
  auto d = desired_tuning(h, "p", &a);
  EXPECT_EQ(d.source, TuningSource::kAutotune);
  EXPECT_EQ(d.tuning.arena_bytes, 200 * MiB);
  EXPECT_EQ(d.tuning.epoch_millis, 12);
  EXPECT_EQ(d.decision, "because");
  auto none = desired_tuning(h, "p", nullptr);
  EXPECT_EQ(none.source, TuningSource::kStatic) << "no stats yet: static until the tuner decides";
}

TEST(DesiredTuning, OverrideWinsOverBothAndFillsOnlyItsFields) {
  Hunt h = hunt();
  h.spec.autotune.enabled = true;
  h.spec.overrides["p0"] = PodOverride{256, std::nullopt};
  h.spec.overrides["p1"] = PodOverride{std::nullopt, 2};
  AutotuneDecision a{200 * MiB, 12, "because"};
  auto p0 = desired_tuning(h, "p0", &a);
  EXPECT_EQ(p0.source, TuningSource::kOverride);
  EXPECT_EQ(p0.tuning.arena_bytes, 256 * MiB);
  EXPECT_EQ(p0.tuning.epoch_millis, 12) << "epoch still autotuned";
  auto p1 = desired_tuning(h, "p1", nullptr);
  EXPECT_EQ(p1.tuning.arena_bytes, 64 * MiB);
  EXPECT_EQ(p1.tuning.epoch_millis, 2);
  auto other = desired_tuning(h, "p2", &a);
  EXPECT_EQ(other.source, TuningSource::kAutotune) << "an override names exactly one pod";
  auto prefix = desired_tuning(h, "p", &a);
  EXPECT_EQ(prefix.source, TuningSource::kAutotune);
  for (const auto& d : {p0, p1, other})
    EXPECT_EQ(d.tuning.owner, h.uid) << "every source";
}

TEST(DesiredTuning, OutOfBoundsInputsAreClampedToTheSidecarBounds) {
  Hunt h = hunt();
  h.spec.arena = {999999999, -3};
  auto d = desired_tuning(h, "p", nullptr);
  EXPECT_EQ(d.tuning.arena_bytes, 65536 * MiB);
  EXPECT_EQ(d.tuning.epoch_millis, 1);
  h.spec.autotune.enabled = true;
  AutotuneDecision a{-1, 1'000'000, ""};
  auto t = desired_tuning(h, "p", &a);
  EXPECT_EQ(t.tuning.arena_bytes, MiB);
  EXPECT_EQ(t.tuning.epoch_millis, 10000);
}

TEST(DesiredTuning, SourceNames) {
  EXPECT_STREQ(to_string(TuningSource::kStatic), "static");
  EXPECT_STREQ(to_string(TuningSource::kAutotune), "autotune");
  EXPECT_STREQ(to_string(TuningSource::kOverride), "override");
}

}  // namespace
}  // namespace trove::controller
