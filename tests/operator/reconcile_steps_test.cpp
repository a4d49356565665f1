// The reconcile steps alone: no sockets, no API server (sidecar answers come
// from a scripted AdminRunner).
#include "controller/reconcile_steps.hpp"

#include <gtest/gtest.h>

#include "controller/sidecar_stats.hpp"

namespace trove::controller {
namespace {

constexpr std::int64_t MiB = kBytesPerMiB;
constexpr const char* kHuntUid = "hunt-uid";

Hunt hunt() {
  Hunt h;
  h.ns = "ns";
  h.name = "h";
  h.uid = kHuntUid;
  h.generation = 3;
  h.spec.arena = {64, 16};
  return h;
}

PodView pod(const std::string& name) {
  PodView p;
  p.ns = "ns";
  p.name = name;
  p.uid = "uid-" + name;
  p.ip = "10.0.0.1";
  p.running = p.ready = true;
  return p;
}

std::string stats_body(std::int64_t arena_mib, const std::string& owner = "") {
  return R"({"tuning":{"arenaBytes":)" + std::to_string(arena_mib * MiB) +
         R"(,"epochMillis":16,"generation":1,"owner":")" + owner + R"("},
            "epoch":{"windowEpochs":10,"highWaterBytes":{"p99":1048576}}})";
}

std::vector<TunedPod> tuned(std::size_t n) {
  std::vector<TunedPod> out;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string name = "p" + std::to_string(i);
    out.push_back({name, "pod " + name + ": note"});
  }
  return out;
}

struct Recorded {
  std::vector<std::string> reasons;
  std::vector<std::string> messages;
  EventSink sink() {
    return [this](const kube::KubeObject&, const std::string&, const std::string& reason,
                  const std::string& message) {
      reasons.push_back(reason);
      messages.push_back(message);
    };
  }
};

TEST(TunedSummary, NamesEveryPodUpToFive) {
  EXPECT_EQ(tuned_summary(tuned(2)), "tuned 2 pods (p0, p1); first: pod p0: note");
  EXPECT_EQ(tuned_summary(tuned(5)), "tuned 5 pods (p0, p1, p2, p3, p4); first: pod p0: note");
}

TEST(TunedSummary, BeyondFiveNamesTheFirstFiveAndElides) {
  EXPECT_EQ(tuned_summary(tuned(8)), "tuned 8 pods (p0, p1, p2, p3, p4, ...); first: pod p0: note");
}

TEST(RecordTunedEvents, OneEventPerPodUpToTheLimitThenOneSummary) {
  kube::KubeObject hunt_object;
  Recorded per_pod;
  record_tuned_events(hunt_object, tuned(2), 2, per_pod.sink());
  EXPECT_EQ(per_pod.messages, (std::vector<std::string>{"pod p0: note", "pod p1: note"}));
  Recorded summary;
  record_tuned_events(hunt_object, tuned(3), 1, summary.sink());
  ASSERT_EQ(summary.messages.size(), 1u);
  EXPECT_EQ(summary.reasons[0], "Tuned");
  EXPECT_EQ(summary.messages[0], "tuned 3 pods (p0, p1, p2); first: pod p0: note");
}

TEST(ResolvePod, StatsGiveTheRunningTuningAndTheHuntTheDesiredOne) {
  const Hunt h = hunt();
  const PodView p = pod("p0");
  const auto gets = stats_calls(h, {p}, "tok");
  ASSERT_EQ(gets.size(), 1u);
  EXPECT_EQ(gets[0].port, 9090);
  EXPECT_EQ(gets[0].token, "tok");
  const AdminResult answer{200, stats_body(1), ""};
  PodMemory memory;
  const PodOutcome o =
      resolve_pod(h, p, gets[0], &answer, "", {std::chrono::steady_clock::now(), {}}, memory);
  ASSERT_TRUE(o.running.has_value());
  EXPECT_EQ(o.running->arena_bytes, 1 * MiB);
  EXPECT_EQ(o.desired.tuning.arena_bytes, 64 * MiB);
  EXPECT_EQ(o.desired.tuning.owner, kHuntUid);
  EXPECT_EQ(o.error_kind, PodErrorKind::kNone);
}

TEST(ResolvePod, AnUnreadableTokenIsEveryPodsError) {
  const Hunt h = hunt();
  const PodView p = pod("p0");
  PodMemory memory;
  const PodOutcome o = resolve_pod(h, p, stats_calls(h, {p}, "")[0], nullptr, "no token",
                                   {std::chrono::steady_clock::now(), {}}, memory);
  EXPECT_EQ(o.error_kind, PodErrorKind::kUnauthorized);
  EXPECT_EQ(o.error, "no token");
  EXPECT_FALSE(o.running.has_value());
}

TEST(ResolvePod, AutotuneSamplesOncePerInterval) {
  Hunt h = hunt();
  h.spec.autotune.enabled = true;
  const PodView p = pod("p0");
  const AdminCall get = stats_calls(h, {p}, "")[0];
  const AdminResult answer{200, stats_body(64), ""};
  PodMemory memory;
  const auto t0 = std::chrono::steady_clock::now();
  const std::chrono::milliseconds interval{1000};
  const PodOutcome first = resolve_pod(h, p, get, &answer, "", {t0, interval}, memory);
  EXPECT_EQ(first.desired.source, TuningSource::kAutotune);
  EXPECT_EQ(memory.window.size(), 1u);
  resolve_pod(h, p, get, &answer, "", {t0 + interval / 2, interval}, memory);
  EXPECT_EQ(memory.window.size(), 1u) << "no new sample inside the interval";
  resolve_pod(h, p, get, &answer, "", {t0 + interval, interval}, memory);
  EXPECT_EQ(memory.window.size(), 2u);
  h.spec.autotune.enabled = false;
  resolve_pod(h, p, get, &answer, "", {t0 + 2 * interval, interval}, memory);
  EXPECT_TRUE(memory.window.empty()) << "autotune off forgets the window";
  EXPECT_FALSE(memory.decision.has_value());
}

TEST(PushTunings, AnOwnerRefusedPushIsRetriedWithoutAnOwner) {
  const Hunt h = hunt();
  const std::vector<PodView> pods{pod("p0"), pod("p1")};
  const auto gets = stats_calls(h, pods, "");
  const AdminResult answer{200, stats_body(1), ""};
  PodMemories memories;
  std::vector<PodOutcome> outcomes;
  for (std::size_t i = 0; i < pods.size(); ++i) {
    outcomes.push_back(resolve_pod(h, pods[i], gets[i], &answer, "",
                                   {std::chrono::steady_clock::now(), {}}, memories[pods[i].name]));
  }
  Pushes pushes = plan_pushes(pods, gets, outcomes, "");
  ASSERT_EQ(pushes.calls.size(), 2u);
  std::vector<std::vector<AdminCall>> batches;
  push_tunings(
      pushes, outcomes, pods, memories,
      [&](const std::vector<AdminCall>& calls) {
        batches.push_back(calls);
        std::vector<AdminResult> results;
        for (const auto& c : calls) {
          const bool names_owner = c.body.find("owner") != std::string::npos;
          // p0 runs a sidecar from before owners; p1 a current one.
          if (&c == &calls[0] && names_owner && batches.size() == 1) {
            results.push_back({400, R"({"error":"unknown member","field":"owner"})", ""});
          } else {
            results.push_back({200, c.body, ""});
          }
        }
        return results;
      },
      nullptr);
  ASSERT_EQ(batches.size(), 2u);
  ASSERT_EQ(batches[1].size(), 1u) << "only the refused pod is pushed again";
  EXPECT_EQ(batches[1][0].body.find("owner"), std::string::npos);
  EXPECT_TRUE(memories["p0"].ownerless.owner_less());
  EXPECT_FALSE(memories["p1"].ownerless.owner_less());
  const auto tuned_pods = read_push_answers(pushes, outcomes, nullptr);
  ASSERT_EQ(tuned_pods.size(), 2u);
  EXPECT_TRUE(outcomes[0].tuned());
  EXPECT_EQ(outcomes[0].running->owner, "");
  EXPECT_EQ(outcomes[1].running->owner, kHuntUid);
}

TEST(ReadPushAnswers, ARefusedPushIsThePodsError) {
  const Hunt h = hunt();
  const std::vector<PodView> pods{pod("p0")};
  const auto gets = stats_calls(h, pods, "");
  const AdminResult answer{200, stats_body(1), ""};
  PodMemory memory;
  std::vector<PodOutcome> outcomes{resolve_pod(h, pods[0], gets[0], &answer, "",
                                               {std::chrono::steady_clock::now(), {}}, memory)};
  Pushes pushes = plan_pushes(pods, gets, outcomes, "");
  pushes.results = {{409, R"({"error":"stale generation"})", ""}};
  EXPECT_TRUE(read_push_answers(pushes, outcomes, nullptr).empty());
  EXPECT_EQ(outcomes[0].error_kind, PodErrorKind::kRejected);
  EXPECT_NE(outcomes[0].error.find("answered 409"), std::string::npos) << outcomes[0].error;
}

TEST(RecordErrorChanges, OnlyANewOrClearedErrorMakesAnEvent) {
  kube::KubeObject hunt_object;
  PodMemories memories;
  PodOutcome down;
  down.name = "p0";
  down.error_kind = PodErrorKind::kUnreachable;
  down.error = "connect refused";
  Recorded first;
  record_error_changes(hunt_object, {down}, memories, first.sink());
  EXPECT_EQ(first.reasons, std::vector<std::string>{"SidecarUnreachable"});
  Recorded again;
  record_error_changes(hunt_object, {down}, memories, again.sink());
  EXPECT_TRUE(again.reasons.empty());
  PodOutcome up;
  up.name = "p0";
  Recorded recovered;
  record_error_changes(hunt_object, {up}, memories, recovered.sink());
  EXPECT_EQ(recovered.reasons, std::vector<std::string>{"SidecarRecovered"});
}

TEST(ForgetUnselected, DropsPodsNoLongerSelected) {
  PodMemories memories;
  memories["p0"].last_error = "x";
  memories["gone"].last_error = "y";
  PodOutcome p0;
  p0.name = "p0";
  forget_unselected({p0}, memories);
  EXPECT_EQ(memories.size(), 1u);
  EXPECT_TRUE(memories.contains("p0"));
}

TEST(NextVisit, SoonWhileAnyPodIsUntunedElseAtTheAutotuneInterval) {
  const std::chrono::milliseconds retry{5'000};
  const std::chrono::milliseconds interval{15'000};
  PodOutcome ok;
  ok.running = Tuning{64 * MiB, 16, 3, kHuntUid};
  ok.desired.tuning = *ok.running;
  PodOutcome failed;
  failed.error_kind = PodErrorKind::kUnreachable;
  EXPECT_EQ(next_visit({ok}, retry, interval).after, interval);
  EXPECT_EQ(next_visit({ok, failed}, retry, interval).after, retry);
  EXPECT_EQ(next_visit({}, retry, interval).after, interval);
  EXPECT_EQ(next_visit({ok}, retry, interval).kind, ReconcileResult::Kind::kRequeueAfter);
}

}  // namespace
}  // namespace trove::controller
