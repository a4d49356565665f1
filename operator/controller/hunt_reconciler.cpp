#include "controller/hunt_reconciler.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "controller/pod_ownership.hpp"
#include "controller/token_secret.hpp"
#include "kube/config.hpp"
#include "kube/errors.hpp"
#include "kube/resource.hpp"
#include "trove/common/json.hpp"

namespace trove::controller {

namespace {

std::pair<std::string, std::string> split_key(const std::string& key) {
  auto slash = key.find('/');
  if (slash == std::string::npos) return {"", key};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

}  // namespace

HuntReconciler::HuntReconciler(kube::Client& client, StoreSet hunts, StoreSet pods,
                               EventSink events, OperatorMetrics* metrics,
                               ReconcilerOptions options)
    : client_(client),
      hunts_(std::move(hunts)),
      pods_(std::move(pods)),
      events_(std::move(events)),
      metrics_(metrics),
      options_(options) {}

std::vector<std::string> HuntReconciler::hunts_selecting(const PodView& pod) const {
  std::vector<std::string> keys;
  for (const auto& h : hunts_.list()) {
    if (h->namespace_() != pod.ns) continue;
    ParseResult parsed = parse_hunt(h->json());
    if (!parsed.ok || parsed.hunt.spec.selector.matches(pod.labels)) keys.push_back(h->key());
  }
  return keys;
}

std::vector<std::string> HuntReconciler::hunts_in_namespace(const std::string& ns) const {
  std::vector<std::string> keys;
  for (const auto& h : hunts_.list()) {
    if (h->namespace_() == ns) keys.push_back(h->key());
  }
  return keys;
}

HuntReconciler::Selection HuntReconciler::select_pods(const Hunt& hunt) const {
  // Ownership is decided over every valid hunt of the namespace, each time,
  // from the caches: all replicas and reconciles reach the same answer.
  std::vector<Hunt> others;
  for (const auto& h : hunts_.list()) {
    if (h->namespace_() != hunt.ns) continue;
    ParseResult parsed = parse_hunt(h->json());
    if (parsed.ok) others.push_back(std::move(parsed.hunt));
  }
  std::vector<HuntClaim> claims;
  claims.reserve(others.size() + 1);
  bool self_cached = false;
  for (const auto& h : others) {
    claims.push_back({h.ns, h.name, h.creation_timestamp, &h.spec.selector});
    self_cached = self_cached || h.name == hunt.name;
  }
  if (!self_cached)
    claims.push_back({hunt.ns, hunt.name, hunt.creation_timestamp, &hunt.spec.selector});

  Selection sel;
  for (const auto& obj : pods_.list()) {
    PodView pod = read_pod(obj->json());
    if (pod.ns != hunt.ns || !hunt.spec.selector.matches(pod.labels)) continue;
    const std::string owner = owning_hunt(claims, hunt.ns, pod.labels);
    if (owner != hunt.name) {
      sel.conflicts.push_back({pod.name, owner});
    } else if (pod.eligible()) {
      sel.pods.push_back(std::move(pod));
    }
  }
  std::sort(sel.pods.begin(), sel.pods.end(),
            [](const PodView& a, const PodView& b) { return a.name < b.name; });
  std::sort(sel.conflicts.begin(), sel.conflicts.end(),
            [](const Conflict& a, const Conflict& b) { return a.pod < b.pod; });
  return sel;
}

std::string HuntReconciler::read_token(const Hunt& hunt, std::string& error) {
  if (!hunt.spec.token_secret_ref) return "";
  const auto& ref = *hunt.spec.token_secret_ref;
  TokenSecretResult r =
      ensure_token_secret(client_, hunt.ns, ref.name, ref.key, options_.manage_token_secrets);
  if (r.action == TokenSecretAction::kCreated) {
    spdlog::info("admin token secret {}/{} created", hunt.ns, ref.name);
  } else if (r.action == TokenSecretAction::kRotated) {
    spdlog::info("admin token secret {}/{} rotated", hunt.ns, ref.name);
  }
  error = r.error;
  return r.token;
}

HuntReconciler::HuntMemory& HuntReconciler::memory_for(const std::string& key,
                                                       const std::string& uid) {
  std::lock_guard lock(memory_mutex_);
  HuntMemory& m = memory_[key];
  if (m.uid != uid) m = HuntMemory{uid, {}};  // a new object under an old name
  return m;
}

ReconcileResult HuntReconciler::reconcile(const std::string& key) {
  kube::ObjectPtr object = hunts_.get(key);
  if (!object) return forget(key);
  ParseResult parsed = parse_hunt(object->json());
  StatusInput in;
  in.generation = parsed.hunt.generation;
  in.now = rfc3339_now();
  if (!parsed.ok) return reconcile_invalid(*object, parsed, std::move(in));
  const Hunt& hunt = parsed.hunt;
  HuntMemory& memory = memory_for(key, hunt.uid);
  Selection sel = select_pods(hunt);
  in.conflicts = std::move(sel.conflicts);

  std::string token_error;
  const std::string token = read_token(hunt, token_error);
  const std::vector<AdminCall> gets = stats_calls(hunt, sel.pods, token);
  std::vector<PodOutcome> outcomes = read_pods(hunt, sel.pods, gets, token_error, memory.pods);
  Pushes pushes = plan_pushes(sel.pods, gets, outcomes, token);
  push_tunings(
      pushes, outcomes, sel.pods, memory.pods,
      [this](const std::vector<AdminCall>& calls) { return run_admin(calls); }, metrics_);
  record_tuned_events(*object, read_push_answers(pushes, outcomes, metrics_),
                      options_.max_events_per_reconcile, events_);
  record_error_changes(*object, outcomes, memory.pods, events_);
  forget_unselected(outcomes, memory.pods);
  in.pods = std::move(outcomes);
  return finish(*object, hunt, std::move(in));
}

ReconcileResult HuntReconciler::forget(const std::string& key) {
  {
    std::lock_guard lock(memory_mutex_);
    memory_.erase(key);
  }
  auto [ns, name] = split_key(key);
  if (metrics_ != nullptr) metrics_->forget_hunt(ns, name);
  return {};
}

// An invalid spec: a Warning when its error is new, and the status says so.
ReconcileResult HuntReconciler::reconcile_invalid(const kube::KubeObject& object,
                                                  const ParseResult& parsed, StatusInput in) {
  in.spec_error = parsed.error;
  const rapidjson::Value* prev = object.at("/status");
  const rapidjson::Value* old = prev != nullptr ? find_condition(*prev, "Degraded") : nullptr;
  if (common::string_member(old, "message") != std::optional<std::string_view>(parsed.error)) {
    events_(object, "Warning", "InvalidSpec", parsed.error);
  }
  return write_status(object, in);
}

std::vector<AdminResult> HuntReconciler::run_admin(const std::vector<AdminCall>& calls) const {
  return run_admin_calls(calls, options_.admin);
}

std::vector<PodOutcome> HuntReconciler::read_pods(const Hunt& hunt,
                                                  const std::vector<PodView>& pods,
                                                  const std::vector<AdminCall>& gets,
                                                  const std::string& token_error,
                                                  PodMemories& memories) {
  std::vector<AdminResult> answers;
  if (token_error.empty()) answers = run_admin(gets);
  const AutotuneClock clock{std::chrono::steady_clock::now(), options_.autotune_interval};
  std::vector<PodOutcome> outcomes;
  outcomes.reserve(pods.size());
  for (std::size_t i = 0; i < pods.size(); ++i) {
    const AdminResult* answer = token_error.empty() ? &answers[i] : nullptr;
    outcomes.push_back(
        resolve_pod(hunt, pods[i], gets[i], answer, token_error, clock, memories[pods[i].name]));
  }
  return outcomes;
}

// Publishes the outcome (pod gauges, status) and says when to come back.
ReconcileResult HuntReconciler::finish(const kube::KubeObject& object, const Hunt& hunt,
                                       StatusInput in) {
  if (metrics_ != nullptr) {
    const auto tuned = std::count_if(in.pods.begin(), in.pods.end(),
                                     [](const PodOutcome& o) { return o.tuned(); });
    metrics_->hunt_pods(hunt.ns, hunt.name, static_cast<double>(in.pods.size()),
                        static_cast<double>(tuned));
  }
  ReconcileResult written = write_status(object, in);
  if (written.kind != ReconcileResult::Kind::kSuccess) return written;
  return next_visit(in.pods, options_.error_retry, options_.autotune_interval);
}

ReconcileResult HuntReconciler::write_status(const kube::KubeObject& object,
                                             const StatusInput& input) {
  const rapidjson::Value* previous = object.at("/status");
  rapidjson::Document status = build_status(input, previous);
  if (same_status(status, previous)) return {};  // no-op: no write, no event
  rapidjson::Document body(rapidjson::kObjectType);
  body.AddMember("status", status, body.GetAllocator());
  kube::WriteOptions options;
  options.subresource = "status";
  try {
    // A merge patch without resourceVersion: no read-modify-write race;
    // lists (conditions, pods) are replaced whole, which is what we want.
    client_.patch(kube::treasure_hunts_type(), object.namespace_(), object.name(),
                  kube::PatchType::kMerge, kube::to_json(body), options);
    return {};
  } catch (const kube::ApiError& e) {
    if (e.kind() == kube::ErrorKind::kNotFound) return {};  // deleted meanwhile
    if (e.kind() == kube::ErrorKind::kConflict) {
      return {ReconcileResult::Kind::kRequeue, std::chrono::milliseconds{0}, e.what()};
    }
    return {ReconcileResult::Kind::kError, std::chrono::milliseconds{0},
            std::string("status write: ") + e.what()};
  }
}

}  // namespace trove::controller
