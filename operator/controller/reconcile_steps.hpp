// The steps of one TreasureHunt reconcile (HuntReconciler::reconcile runs
// them in order), each usable alone: build the stats calls, resolve each
// pod's tuning from its stats (autotune sampling included), plan and send
// the pushes (with the owner-refused retry), read their answers, and turn
// the outcome into Events and the requeue. Sidecar I/O goes through an
// AdminRunner, so the steps run in tests without sockets.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "controller/autotuner.hpp"
#include "controller/hunt_spec.hpp"
#include "controller/hunt_status.hpp"
#include "controller/operator_metrics.hpp"
#include "controller/ownerless_sidecar.hpp"
#include "controller/pod_view.hpp"
#include "controller/sidecar_admin_client.hpp"
#include "kube/object.hpp"
#include "kube/reconcile_result.hpp"

namespace trove::controller {

using ReconcileResult = kube::ReconcileResult;

// Emits a Kubernetes Event about `hunt` (type "Normal" or "Warning").
using EventSink = std::function<void(const kube::KubeObject& hunt, const std::string& type,
                                     const std::string& reason, const std::string& message)>;

// Runs a batch of sidecar admin calls; results in the order of the calls.
using AdminRunner = std::function<std::vector<AdminResult>(const std::vector<AdminCall>&)>;

inline constexpr const char* kStatsPath = "/admin/v1/stats";
inline constexpr const char* kTuningPath = "/admin/v1/tuning";

// A "tuned N pods" summary Event names at most this many pods: enough to
// recognise a rollout, short enough to read.
inline constexpr std::size_t kPodsNamedInSummary = 5;

// What a reconciler remembers of one pod between reconciles.
struct PodMemory {
  std::deque<AutotuneSample> window;
  std::chrono::steady_clock::time_point last_sample{};
  std::optional<AutotuneDecision> decision;
  std::string last_error;      // for Events on new failures only
  OwnerlessSidecar ownerless;  // tune without an owner while its instance serves
};
using PodMemories = std::map<std::string, PodMemory>;  // by pod name

// Sorts an admin answer into the pod's error kind; true when it is a 2xx.
bool classify(const AdminCall& call, const AdminResult& r, PodOutcome& o);

// One GET /admin/v1/stats per pod, in pod order.
std::vector<AdminCall> stats_calls(const Hunt& hunt, const std::vector<PodView>& pods,
                                   const std::string& token);

// When the autotuner takes a new sample: the first time, then every interval.
struct AutotuneClock {
  std::chrono::steady_clock::time_point now;
  std::chrono::milliseconds interval;
};

// One pod's outcome before any push: what it runs (from its stats answer;
// nullptr when the token could not be read, then `token_error` is the
// pod's error) and what it should run (override > autotune > static).
// Feeds the autotuner's window when a sample is due.
PodOutcome resolve_pod(const Hunt& hunt, const PodView& pod, const AdminCall& get,
                       const AdminResult* stats, const std::string& token_error,
                       const AutotuneClock& clock, PodMemory& memory);

// Tuning PUTs, in pod order, and which pod each is for.
struct Pushes {
  std::vector<AdminCall> calls;
  std::vector<std::size_t> pod;  // index into the pods / outcomes
  std::vector<AdminResult> results;
};

// A PUT for every pod whose running tuning does not satisfy its desired one.
Pushes plan_pushes(const std::vector<PodView>& pods, const std::vector<AdminCall>& gets,
                   const std::vector<PodOutcome>& outcomes, const std::string& token);

// Sends the pushes. A sidecar from before owners refuses the unknown member
// "owner" (400): such a pod is pushed again in this pass without an owner
// and remembered as owner-less (counted as owner_refused; the retry counts
// as any push).
void push_tunings(Pushes& pushes, std::vector<PodOutcome>& outcomes,
                  const std::vector<PodView>& pods, PodMemories& memories, const AdminRunner& run,
                  OperatorMetrics* metrics);

struct TunedPod {
  std::string name;
  std::string note;  // "pod <name>: <tuning> (<source>): <decision>"
};

// Reads the push answers into the outcomes (what each pod runs now, or its
// error); returns the pods tuned, in push order. Counts pushes by result.
std::vector<TunedPod> read_push_answers(const Pushes& pushes, std::vector<PodOutcome>& outcomes,
                                        OperatorMetrics* metrics);

// One Event for many tuned pods: the count, the first kPodsNamedInSummary
// names ("..." when there are more) and the first pod's note.
std::string tuned_summary(const std::vector<TunedPod>& tuned);

// A "Tuned" Event per pod, or one summary beyond `max_events`.
void record_tuned_events(const kube::KubeObject& hunt, const std::vector<TunedPod>& tuned,
                         std::size_t max_events, const EventSink& events);

// A Warning when a pod's error changes, SidecarRecovered when it clears;
// a pod that stays down does not produce an Event per retry.
void record_error_changes(const kube::KubeObject& hunt, const std::vector<PodOutcome>& outcomes,
                          PodMemories& memories, const EventSink& events);

// Drops the memory of pods no longer selected.
void forget_unselected(const std::vector<PodOutcome>& outcomes, PodMemories& memories);

// When to look at the hunt again after a successful status write: soon
// while any pod failed or is untuned, else at the autotune interval.
ReconcileResult next_visit(const std::vector<PodOutcome>& outcomes,
                           std::chrono::milliseconds error_retry,
                           std::chrono::milliseconds autotune_interval);

}  // namespace trove::controller
