#include "controller/hunt_status.hpp"

#include <gtest/gtest.h>

#include "test_json.hpp"
#include "trove/common/json.hpp"

namespace trove::controller {
namespace {

using test_json::at;

constexpr std::int64_t MiB = kBytesPerMiB;

PodOutcome tuned_pod(const std::string& name, std::int64_t size_mib = 64) {
  PodOutcome p;
  p.name = name;
  p.desired.tuning = {static_cast<std::uint64_t>(size_mib * MiB), 16, 2};
  p.desired.source = TuningSource::kStatic;
  p.desired.decision = "static spec.arena";
  p.running = p.desired.tuning;
  return p;
}

StatusInput input(std::vector<PodOutcome> pods, const std::string& now = "2026-01-01T00:00:00Z") {
  StatusInput in;
  in.generation = 2;
  in.pods = std::move(pods);
  in.now = now;
  return in;
}

std::string cond(const rapidjson::Value& st, const char* type, const char* field) {
  const rapidjson::Value* v = common::find_member(find_condition(st, type), field);
  if (v == nullptr) return "<missing>";
  return v->GetString();
}

TEST(HuntStatus, AllTunedIsReadyNotProgressingNotDegraded) {
  auto st = build_status(input({tuned_pod("a"), tuned_pod("b"), tuned_pod("c")}), nullptr);
  EXPECT_EQ(at(st, "/observedGeneration").GetInt64(), 2);
  EXPECT_EQ(at(st, "/podCount").GetUint64(), 3u);
  EXPECT_EQ(at(st, "/tunedCount").GetUint64(), 3u);
  EXPECT_EQ(cond(st, "Ready", "status"), "True");
  EXPECT_EQ(cond(st, "Ready", "reason"), "AllPodsTuned");
  EXPECT_EQ(cond(st, "Progressing", "status"), "False");
  EXPECT_EQ(cond(st, "Degraded", "status"), "False");
  ASSERT_EQ(at(st, "/pods").Size(), 3u);
  const auto& a = at(st, "/pods/0");
  EXPECT_STREQ(at(a, "/name").GetString(), "a");
  EXPECT_EQ(at(a, "/arenaBytes").GetInt64(), 64 * MiB);
  EXPECT_STREQ(at(a, "/source").GetString(), "static");
  EXPECT_EQ(at(a, "/generation").GetInt64(), 2);
  EXPECT_STREQ(at(a, "/appliedTime").GetString(), "2026-01-01T00:00:00Z");
  EXPECT_FALSE(a.HasMember("lastError"));
}

TEST(HuntStatus, AGenerationAboveTheCrdsInt64IsShownAsItsLargest) {
  // trove-server accepts any unsigned generation from another writer; the
  // CRD's pods[].generation is format int64, so the status shows its largest.
  PodOutcome p = tuned_pod("a");
  p.running->generation = UINT64_MAX;
  auto st = build_status(input({p}), nullptr);
  EXPECT_TRUE(at(st, "/pods/0/generation").IsInt64());
  EXPECT_EQ(at(st, "/pods/0/generation").GetInt64(), INT64_MAX);
}

TEST(HuntStatus, SameValuesUnderAnotherOwnerAreNotTuned) {
  // A recreated hunt (new uid) before its push lands: the sidecar runs the
  // right values for the old owner, so the pod is not counted as tuned.
  PodOutcome p = tuned_pod("a");
  p.desired.tuning.owner = "uid-new";
  p.running->owner = "uid-old";
  EXPECT_FALSE(p.tuned());
  auto st = build_status(input({p, tuned_pod("b")}), nullptr);
  EXPECT_EQ(at(st, "/tunedCount").GetUint64(), 1u);
  EXPECT_EQ(cond(st, "Ready", "status"), "False");
  p.running->owner = "uid-new";
  EXPECT_TRUE(p.tuned());
}

TEST(HuntStatus, UnchangedOutcomeBuildsAnEqualStatusWithStableTimes) {
  auto first = build_status(input({tuned_pod("a"), tuned_pod("b")}), nullptr);
  auto second =
      build_status(input({tuned_pod("b"), tuned_pod("a")}, "2026-01-01T01:00:00Z"), &first);
  EXPECT_TRUE(same_status(second, &first)) << "a no-op must be detectable so no write happens";
  EXPECT_EQ(cond(second, "Ready", "lastTransitionTime"), "2026-01-01T00:00:00Z");
  EXPECT_STREQ(at(second, "/pods/0/appliedTime").GetString(), "2026-01-01T00:00:00Z");
}

TEST(HuntStatus, TransitionMovesOnlyTheChangedConditionsTime) {
  auto first = build_status(input({tuned_pod("a")}), nullptr);
  PodOutcome down = tuned_pod("a");
  down.running.reset();
  down.error_kind = PodErrorKind::kUnreachable;
  down.error = "connect 127.0.0.2:9090: connection refused";
  auto second = build_status(input({down}, "2026-01-01T02:00:00Z"), &first);
  EXPECT_FALSE(same_status(second, &first));
  EXPECT_EQ(cond(second, "Ready", "status"), "False");
  EXPECT_EQ(cond(second, "Ready", "lastTransitionTime"), "2026-01-01T02:00:00Z");
  EXPECT_EQ(cond(second, "Degraded", "status"), "True");
  EXPECT_EQ(cond(second, "Degraded", "reason"), "SidecarUnreachable");
  EXPECT_NE(cond(second, "Degraded", "message").find("pod a:"), std::string::npos);
  EXPECT_EQ(cond(second, "Progressing", "status"), "False") << "nothing left that can progress";
  EXPECT_EQ(cond(second, "Progressing", "lastTransitionTime"), "2026-01-01T00:00:00Z");
  EXPECT_STREQ(at(second, "/pods/0/lastError").GetString(), down.error.c_str());
}

TEST(HuntStatus, ChangedTuningMovesAppliedTimeAndDecision) {
  auto first = build_status(input({tuned_pod("a", 64)}), nullptr);
  PodOutcome p = tuned_pod("a", 128);
  p.desired.decision = "bigger";
  auto second = build_status(input({p}, "2026-01-01T03:00:00Z"), &first);
  EXPECT_STREQ(at(second, "/pods/0/appliedTime").GetString(), "2026-01-01T03:00:00Z");
  EXPECT_STREQ(at(second, "/pods/0/decision").GetString(), "bigger");
  PodOutcome q = p;
  q.desired.decision = "same tuning, new numbers in the explanation";
  auto third = build_status(input({q}, "2026-01-01T04:00:00Z"), &second);
  EXPECT_TRUE(same_status(third, &second)) << "explanations alone must not cause writes";
}

TEST(HuntStatus, PendingPodsMeanProgressing) {
  PodOutcome p = tuned_pod("a");
  p.running = Tuning{128 * MiB, 16, 1};
  auto st = build_status(input({p, tuned_pod("b")}), nullptr);
  EXPECT_EQ(at(st, "/tunedCount").GetUint64(), 1u);
  EXPECT_EQ(cond(st, "Ready", "status"), "False");
  EXPECT_EQ(cond(st, "Progressing", "status"), "True");
  EXPECT_EQ(cond(st, "Degraded", "status"), "False");
}

TEST(HuntStatus, ConflictIsDegradedNamingThePod) {
  StatusInput in = input({tuned_pod("a")});
  in.conflicts.push_back({"shared-0", "older-hunt"});
  auto st = build_status(in, nullptr);
  EXPECT_EQ(cond(st, "Degraded", "status"), "True");
  EXPECT_EQ(cond(st, "Degraded", "reason"), "Conflict");
  EXPECT_NE(cond(st, "Degraded", "message").find("shared-0"), std::string::npos);
  EXPECT_NE(cond(st, "Degraded", "message").find("older-hunt"), std::string::npos);
  EXPECT_EQ(at(st, "/conflictCount").GetUint64(), 1u);
  EXPECT_EQ(cond(st, "Ready", "status"), "True") << "its own pods are still tuned";
}

TEST(HuntStatus, InvalidSpecIsDegradedAndNotReady) {
  StatusInput in = input({});
  in.spec_error = "spec.arena.sizeMiB: must be an integer in [1, 65536]";
  auto st = build_status(in, nullptr);
  EXPECT_EQ(cond(st, "Ready", "status"), "False");
  EXPECT_EQ(cond(st, "Degraded", "reason"), "InvalidSpec");
  EXPECT_EQ(cond(st, "Degraded", "message"), in.spec_error);
}

TEST(HuntStatus, PodEntriesAreCappedErrorsFirst) {
  std::vector<PodOutcome> pods;
  pods.reserve(250);
  for (int i = 0; i < 250; ++i) {
    pods.push_back(tuned_pod("pod-" + std::to_string(1000 + i)));
  }
  pods[240].error_kind = PodErrorKind::kUnauthorized;
  pods[240].error = "401";
  pods[240].running.reset();
  auto st = build_status(input(pods), nullptr);
  ASSERT_EQ(at(st, "/pods").Size(), kMaxStatusPods);
  EXPECT_STREQ(at(st, "/pods/0/name").GetString(), "pod-1240");
  EXPECT_EQ(at(st, "/podsOmitted").GetUint64(), 50u);
  EXPECT_EQ(at(st, "/podCount").GetUint64(), 250u);
  EXPECT_EQ(cond(st, "Degraded", "reason"), "SidecarUnauthorized");
}

TEST(HuntStatus, MessagesNameAFewPodsAndCountTheRest) {
  std::vector<PodOutcome> pods;
  for (int i = 0; i < 9; ++i) {
    PodOutcome p = tuned_pod("p" + std::to_string(i));
    p.running.reset();
    p.error_kind = PodErrorKind::kUnreachable;
    p.error = "timeout";
    pods.push_back(p);
  }
  auto st = build_status(input(pods), nullptr);
  EXPECT_NE(cond(st, "Degraded", "message").find("and 4 more"), std::string::npos);
}

TEST(HuntStatus, GarbagePreviousStatusIsIgnored) {
  auto garbage = test_json::json(R"({"conditions":"x","pods":[1,{"name":7}]})");
  auto st = build_status(input({tuned_pod("a")}), &garbage);
  EXPECT_EQ(cond(st, "Ready", "status"), "True");
  auto arr = test_json::json("[1]");
  auto st2 = build_status(input({tuned_pod("a")}), &arr);
  EXPECT_FALSE(same_status(st2, &arr));
  EXPECT_FALSE(same_status(st2, nullptr));
}

TEST(HuntStatus, Rfc3339NowLooksLikeTheApiServers) {
  const std::string now = rfc3339_now();
  ASSERT_EQ(now.size(), 20u);
  EXPECT_EQ(now[4], '-');
  EXPECT_EQ(now[10], 'T');
  EXPECT_EQ(now.back(), 'Z');
}

}  // namespace
}  // namespace trove::controller
