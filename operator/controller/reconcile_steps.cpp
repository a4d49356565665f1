#include "controller/reconcile_steps.hpp"

#include <algorithm>
#include <set>

#include "controller/desired_tuning.hpp"
#include "controller/sidecar_stats.hpp"

namespace trove::controller {

namespace {

// The part of a refused tuning's body quoted in the pod's error.
constexpr std::size_t kQuotedBodyBytes = 200;

std::string describe(const Tuning& t) {
  return std::to_string(t.arena_bytes / kBytesPerMiB) + " MiB, epoch " +
         std::to_string(t.epoch_millis) + " ms, generation " + std::to_string(t.generation);
}

const char* error_reason(PodErrorKind k) {
  switch (k) {
    case PodErrorKind::kUnreachable:
      return "SidecarUnreachable";
    case PodErrorKind::kUnauthorized:
      return "SidecarUnauthorized";
    case PodErrorKind::kRejected:
      return "TuningRejected";
    case PodErrorKind::kBadAnswer:
    case PodErrorKind::kNone:
      break;
  }
  return "SidecarError";
}

// Reads a 2xx stats answer: what the pod runs, and an autotune sample when
// one is due.
void read_stats(const Hunt& hunt, const AdminResult& answer, const AutotuneClock& clock,
                PodMemory& pm, PodOutcome& o) {
  std::string parse_error;
  auto stats = parse_sidecar_stats(answer.body, parse_error);
  if (!stats) {
    o.error_kind = PodErrorKind::kBadAnswer;
    o.error = "GET " + std::string(kStatsPath) + ": " + parse_error;
    return;
  }
  o.running = stats->tuning;
  pm.ownerless.reports_owner(o.running->owner);
  const AutotuneSpec& autotune = hunt.spec.autotune;
  if (!autotune.enabled || (pm.decision && clock.now - pm.last_sample < clock.interval)) return;
  if (auto s = sample_from_stats(*stats); s.valid) {
    push_sample(pm.window, s.sample, autotune.window_samples);
  }
  pm.decision = decide(autotune, hunt.spec.arena.epoch_millis, stats->tuning, pm.window);
  pm.last_sample = clock.now;
}

}  // namespace

bool classify(const AdminCall& call, const AdminResult& r, PodOutcome& o) {
  if (r.status == 0) {
    o.error_kind = PodErrorKind::kUnreachable;
    o.error = r.error;
    return false;
  }
  if (r.status >= 200 && r.status < 300) return true;
  const std::string what =
      call.method + " " + call.target + " answered " + std::to_string(r.status);
  if (r.status == 401 || r.status == 403) {
    o.error_kind = PodErrorKind::kUnauthorized;
    o.error = what + " (check spec.tokenSecretRef)";
  } else if (r.status == 400 || r.status == 409) {
    o.error_kind = PodErrorKind::kRejected;
    o.error = what + ": " + r.body.substr(0, kQuotedBodyBytes);
  } else {
    o.error_kind = PodErrorKind::kBadAnswer;
    o.error = what;
  }
  return false;
}

std::vector<AdminCall> stats_calls(const Hunt& hunt, const std::vector<PodView>& pods,
                                   const std::string& token) {
  std::vector<AdminCall> gets;
  gets.reserve(pods.size());
  for (const auto& pod : pods) {
    gets.push_back({pod.ip, static_cast<std::uint16_t>(pod.port_or(hunt.spec.admin_port)), "GET",
                    kStatsPath, "", token});
  }
  return gets;
}

PodOutcome resolve_pod(const Hunt& hunt, const PodView& pod, const AdminCall& get,
                       const AdminResult* stats, const std::string& token_error,
                       const AutotuneClock& clock, PodMemory& pm) {
  PodOutcome o;
  o.name = pod.name;
  pm.ownerless.serving(pod.sidecar_instance(get.port));
  if (!hunt.spec.autotune.enabled) {
    pm.window.clear();
    pm.decision.reset();
  }
  if (stats == nullptr) {
    o.error_kind = PodErrorKind::kUnauthorized;
    o.error = token_error;
  } else if (classify(get, *stats, o)) {
    read_stats(hunt, *stats, clock, pm, o);
  }
  const AutotuneDecision* decision =
      hunt.spec.autotune.enabled && pm.decision ? &*pm.decision : nullptr;
  o.desired = desired_tuning(hunt, pod.name, decision);
  // An old sidecar runs the owner "": that is all it can satisfy.
  if (pm.ownerless.owner_less()) o.desired.tuning.owner.clear();
  return o;
}

Pushes plan_pushes(const std::vector<PodView>& pods, const std::vector<AdminCall>& gets,
                   const std::vector<PodOutcome>& outcomes, const std::string& token) {
  Pushes p;
  for (std::size_t i = 0; i < pods.size(); ++i) {
    const PodOutcome& o = outcomes[i];
    if (!o.running || o.running->satisfies(o.desired.tuning)) continue;
    p.calls.push_back({pods[i].ip, gets[i].port, "PUT", kTuningPath,
                       common::render_tuning(o.desired.tuning), token});
    p.pod.push_back(i);
  }
  return p;
}

void push_tunings(Pushes& pushes, std::vector<PodOutcome>& outcomes,
                  const std::vector<PodView>& pods, PodMemories& memories, const AdminRunner& run,
                  OperatorMetrics* metrics) {
  pushes.results = run(pushes.calls);
  std::vector<std::size_t> retried;
  std::vector<AdminCall> retries;
  for (std::size_t j = 0; j < pushes.calls.size(); ++j) {
    PodOutcome& o = outcomes[pushes.pod[j]];
    if (o.desired.tuning.owner.empty() ||
        !rejects_owner_field(pushes.results[j].status, pushes.results[j].body)) {
      continue;
    }
    if (metrics != nullptr) metrics->pushed("owner_refused");
    memories[o.name].ownerless.refused_owner(
        pods[pushes.pod[j]].sidecar_instance(pushes.calls[j].port));
    o.desired.tuning.owner.clear();
    retries.push_back(pushes.calls[j]);
    retries.back().body = common::render_tuning(o.desired.tuning);
    retried.push_back(j);
  }
  std::vector<AdminResult> retry_results = run(retries);
  for (std::size_t k = 0; k < retries.size(); ++k) {
    pushes.calls[retried[k]] = std::move(retries[k]);
    pushes.results[retried[k]] = std::move(retry_results[k]);
  }
}

std::vector<TunedPod> read_push_answers(const Pushes& pushes, std::vector<PodOutcome>& outcomes,
                                        OperatorMetrics* metrics) {
  std::vector<TunedPod> tuned;
  for (std::size_t j = 0; j < pushes.calls.size(); ++j) {
    PodOutcome& o = outcomes[pushes.pod[j]];
    const AdminResult& r = pushes.results[j];
    if (!classify(pushes.calls[j], r, o)) {
      if (metrics != nullptr) {
        metrics->pushed(o.error_kind == PodErrorKind::kUnauthorized ? "unauthorized" : "error");
      }
      continue;
    }
    std::string parse_error;
    auto applied = parse_tuning(r.body, parse_error);
    o.running = applied.value_or(o.desired.tuning);
    if (metrics != nullptr) metrics->pushed("success");
    tuned.push_back({o.name, "pod " + o.name + ": " + describe(*o.running) + " (" +
                                 to_string(o.desired.source) + "): " + o.desired.decision});
  }
  return tuned;
}

std::string tuned_summary(const std::vector<TunedPod>& tuned) {
  std::string names;
  const std::size_t named = std::min(tuned.size(), kPodsNamedInSummary);
  for (std::size_t k = 0; k < named; ++k)
    names += (k ? ", " : "") + tuned[k].name;
  if (tuned.size() > named) names += ", ...";
  return "tuned " + std::to_string(tuned.size()) + " pods (" + names +
         "); first: " + (tuned.empty() ? std::string() : tuned.front().note);
}

void record_tuned_events(const kube::KubeObject& hunt, const std::vector<TunedPod>& tuned,
                         std::size_t max_events, const EventSink& events) {
  if (tuned.size() <= max_events) {
    for (const auto& t : tuned)
      events(hunt, "Normal", "Tuned", t.note);
    return;
  }
  events(hunt, "Normal", "Tuned", tuned_summary(tuned));
}

void record_error_changes(const kube::KubeObject& hunt, const std::vector<PodOutcome>& outcomes,
                          PodMemories& memories, const EventSink& events) {
  for (const auto& o : outcomes) {
    PodMemory& pm = memories[o.name];
    if (o.error == pm.last_error) continue;
    if (!o.error.empty()) {
      events(hunt, "Warning", error_reason(o.error_kind), "pod " + o.name + ": " + o.error);
    } else {
      events(hunt, "Normal", "SidecarRecovered", "pod " + o.name + " answers again");
    }
    pm.last_error = o.error;
  }
}

void forget_unselected(const std::vector<PodOutcome>& outcomes, PodMemories& memories) {
  std::set<std::string> selected;
  for (const auto& o : outcomes)
    selected.insert(o.name);
  std::erase_if(memories, [&](const auto& kv) { return !selected.contains(kv.first); });
}

ReconcileResult next_visit(const std::vector<PodOutcome>& outcomes,
                           std::chrono::milliseconds error_retry,
                           std::chrono::milliseconds autotune_interval) {
  const bool settled = std::all_of(outcomes.begin(), outcomes.end(), [](const PodOutcome& o) {
    return o.error_kind == PodErrorKind::kNone && o.tuned();
  });
  if (!settled) {
    return {ReconcileResult::Kind::kRequeueAfter, std::min(error_retry, autotune_interval), ""};
  }
  // Every hunt is looked at again each interval, autotuned or not: a sidecar
  // that dies or restarts with its default tuning changes no Kubernetes
  // object, so only polling its admin API notices.
  return {ReconcileResult::Kind::kRequeueAfter, autotune_interval, ""};
}

}  // namespace trove::controller
