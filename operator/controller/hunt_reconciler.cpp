#include "controller/hunt_reconciler.hpp"

#include <algorithm>
#include <set>

#include "controller/desired_tuning.hpp"
#include "controller/pod_ownership.hpp"
#include "controller/sidecar_stats.hpp"
#include "kube/config.hpp"
#include "kube/errors.hpp"
#include "kube/resource.hpp"

namespace trove::controller {

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kStatsPath = "/admin/v1/stats";
constexpr const char* kTuningPath = "/admin/v1/tuning";

// A "tuned N pods" summary Event names at most this many pods: enough to
// recognise a rollout, short enough to read.
constexpr std::size_t kPodsNamedInSummary = 5;

kube::ResourceType secrets_type() {
  return {"", "v1", "secrets", true};
}

// obj[name], or nullptr when obj is not an object or has no such member: one
// lookup (HasMember then operator[] is two, and clang-analyzer cannot tell the
// second one finds the member).
const rapidjson::Value* find_member(const rapidjson::Value* obj, const char* name) {
  if (obj == nullptr || !obj->IsObject()) return nullptr;
  auto it = obj->FindMember(name);
  return it != obj->MemberEnd() ? &it->value : nullptr;
}

std::pair<std::string, std::string> split_key(const std::string& key) {
  auto slash = key.find('/');
  if (slash == std::string::npos) return {"", key};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

// Sorts an answer into the pod's error kind; true when it is a 2xx.
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
    o.error = what + ": " + r.body.substr(0, 200);
  } else {
    o.error_kind = PodErrorKind::kBadAnswer;
    o.error = what;
  }
  return false;
}

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
  const std::string where = "token secret " + hunt.ns + "/" + ref.name;
  try {
    kube::KubeObject secret = client_.get(secrets_type(), hunt.ns, ref.name);
    const rapidjson::Value* encoded = find_member(secret.at("/data"), ref.key.c_str());
    if (encoded == nullptr || !encoded->IsString()) {
      error = where + " has no data key " + ref.key;
      return "";
    }
    std::string token = kube::base64_decode(encoded->GetString());
    // A token file written with `echo` ends in a newline; the sidecar strips it too.
    while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) {
      token.pop_back();
    }
    if (token.empty()) error = where + " key " + ref.key + " is empty";
    return token;
  } catch (const std::exception& e) {
    error = where + ": " + e.what();
    return "";
  }
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
  if (!object) {
    std::lock_guard lock(memory_mutex_);
    memory_.erase(key);
    auto [ns, name] = split_key(key);
    if (metrics_ != nullptr) metrics_->forget_hunt(ns, name);
    return {};
  }
  ParseResult parsed = parse_hunt(object->json());
  StatusInput in;
  in.generation = parsed.hunt.generation;
  in.now = rfc3339_now();
  if (!parsed.ok) {
    in.spec_error = parsed.error;
    const rapidjson::Value* prev = object->at("/status");
    const rapidjson::Value* old = prev != nullptr ? find_condition(*prev, "Degraded") : nullptr;
    const rapidjson::Value* message = find_member(old, "message");
    if (message == nullptr || !message->IsString() || parsed.error != message->GetString()) {
      events_(*object, "Warning", "InvalidSpec", parsed.error);
    }
    return write_status(*object, in);
  }
  const Hunt& hunt = parsed.hunt;
  HuntMemory& memory = memory_for(key, hunt.uid);
  Selection sel = select_pods(hunt);
  in.conflicts = sel.conflicts;

  std::string token_error;
  const std::string token = read_token(hunt, token_error);
  std::vector<AdminCall> gets;
  for (const auto& pod : sel.pods) {
    gets.push_back({pod.ip, static_cast<std::uint16_t>(pod.port_or(hunt.spec.admin_port)), "GET",
                    kStatsPath, "", token});
  }
  std::vector<AdminResult> stats_results;
  if (token_error.empty()) stats_results = run_admin_calls(gets, options_.admin);

  const auto now = Clock::now();
  std::vector<PodOutcome> outcomes(sel.pods.size());
  std::vector<AdminCall> puts;
  std::vector<std::size_t> put_pod;
  for (std::size_t i = 0; i < sel.pods.size(); ++i) {
    const PodView& pod = sel.pods[i];
    PodOutcome& o = outcomes[i];
    PodMemory& pm = memory.pods[pod.name];
    o.name = pod.name;
    pm.ownerless.serving(pod.sidecar_instance(gets[i].port));
    if (!hunt.spec.autotune.enabled) {
      pm.window.clear();
      pm.decision.reset();
    }
    if (!token_error.empty()) {
      o.error_kind = PodErrorKind::kUnauthorized;
      o.error = token_error;
    } else if (classify(gets[i], stats_results[i], o)) {
      std::string parse_error;
      if (auto stats = parse_sidecar_stats(stats_results[i].body, parse_error)) {
        o.running = stats->tuning;
        pm.ownerless.reports_owner(o.running->owner);
        if (hunt.spec.autotune.enabled &&
            (!pm.decision || now - pm.last_sample >= options_.autotune_interval)) {
          if (auto s = sample_from_stats(*stats); s.valid) {
            push_sample(pm.window, s.sample, hunt.spec.autotune.window_samples);
          }
          pm.decision =
              decide(hunt.spec.autotune, hunt.spec.arena.epoch_millis, stats->tuning, pm.window);
          pm.last_sample = now;
        }
      } else {
        o.error_kind = PodErrorKind::kBadAnswer;
        o.error = "GET " + std::string(kStatsPath) + ": " + parse_error;
      }
    }
    const AutotuneDecision* decision =
        hunt.spec.autotune.enabled && pm.decision ? &*pm.decision : nullptr;
    o.desired = desired_tuning(hunt, pod.name, decision);
    // An old sidecar runs the owner "": that is all it can satisfy.
    if (pm.ownerless.owner_less()) o.desired.tuning.owner.clear();
    if (o.running && !o.running->satisfies(o.desired.tuning)) {
      puts.push_back(
          {pod.ip, gets[i].port, "PUT", kTuningPath, render_tuning(o.desired.tuning), token});
      put_pod.push_back(i);
    }
  }

  std::vector<AdminResult> put_results = run_admin_calls(puts, options_.admin);
  // Upgrade order (controller/ownerless_sidecar.hpp): a sidecar from before
  // owners refuses the unknown member "owner" (400). Such a pod is tuned
  // again in this pass without an owner (which both versions read as ""), so
  // it neither shows TuningRejected nor is pushed again every reconcile. The
  // refused PUT is counted as owner_refused; the retry counts as any push.
  std::vector<std::size_t> retried;
  std::vector<AdminCall> retries;
  for (std::size_t j = 0; j < puts.size(); ++j) {
    PodOutcome& o = outcomes[put_pod[j]];
    if (o.desired.tuning.owner.empty() ||
        !rejects_owner_field(put_results[j].status, put_results[j].body)) {
      continue;
    }
    if (metrics_ != nullptr) metrics_->pushed("owner_refused");
    memory.pods[o.name].ownerless.refused_owner(
        sel.pods[put_pod[j]].sidecar_instance(puts[j].port));
    o.desired.tuning.owner.clear();
    retries.push_back(puts[j]);
    retries.back().body = render_tuning(o.desired.tuning);
    retried.push_back(j);
  }
  std::vector<AdminResult> retry_results = run_admin_calls(retries, options_.admin);
  for (std::size_t k = 0; k < retries.size(); ++k) {
    puts[retried[k]] = std::move(retries[k]);
    put_results[retried[k]] = std::move(retry_results[k]);
  }
  std::vector<std::string> tuned_notes;
  std::vector<std::string> tuned_names;
  for (std::size_t j = 0; j < puts.size(); ++j) {
    PodOutcome& o = outcomes[put_pod[j]];
    const AdminResult& r = put_results[j];
    if (!classify(puts[j], r, o)) {
      if (metrics_ != nullptr) {
        metrics_->pushed(o.error_kind == PodErrorKind::kUnauthorized ? "unauthorized" : "error");
      }
      continue;
    }
    std::string parse_error;
    auto applied = parse_tuning(r.body, parse_error);
    o.running = applied.value_or(o.desired.tuning);
    if (metrics_ != nullptr) metrics_->pushed("success");
    tuned_notes.push_back("pod " + o.name + ": " + describe(*o.running) + " (" +
                          to_string(o.desired.source) + "): " + o.desired.decision);
    tuned_names.push_back(o.name);
  }
  if (tuned_notes.size() <= options_.max_events_per_reconcile) {
    for (const auto& note : tuned_notes)
      events_(*object, "Normal", "Tuned", note);
  } else {
    std::string names;
    const std::size_t named = std::min(tuned_names.size(), kPodsNamedInSummary);
    for (std::size_t k = 0; k < named; ++k)
      names += (k ? ", " : "") + tuned_names[k];
    if (tuned_names.size() > named) names += ", ...";
    events_(*object, "Normal", "Tuned",
            "tuned " + std::to_string(tuned_notes.size()) + " pods (" + names +
                "); first: " + tuned_notes.front());
  }

  // Warnings only when a pod's error changes, so a pod that stays down does
  // not produce an Event per retry.
  std::set<std::string> selected;
  for (const auto& o : outcomes) {
    selected.insert(o.name);
    PodMemory& pm = memory.pods[o.name];
    if (o.error != pm.last_error) {
      if (!o.error.empty()) {
        events_(*object, "Warning", error_reason(o.error_kind), "pod " + o.name + ": " + o.error);
      } else {
        events_(*object, "Normal", "SidecarRecovered", "pod " + o.name + " answers again");
      }
      pm.last_error = o.error;
    }
  }
  std::erase_if(memory.pods, [&](const auto& kv) { return !selected.contains(kv.first); });

  std::size_t tuned = 0;
  bool errors = false;
  for (const auto& o : outcomes) {
    tuned += o.tuned() ? 1 : 0;
    errors = errors || o.error_kind != PodErrorKind::kNone;
  }
  if (metrics_ != nullptr) {
    metrics_->hunt_pods(hunt.ns, hunt.name, static_cast<double>(outcomes.size()),
                        static_cast<double>(tuned));
  }
  in.pods = std::move(outcomes);
  ReconcileResult written = write_status(*object, in);
  if (written.kind != ReconcileResult::Kind::kSuccess) return written;
  if (errors || tuned < in.pods.size()) {
    return {ReconcileResult::Kind::kRequeueAfter,
            std::min(options_.error_retry, options_.autotune_interval), ""};
  }
  // Every hunt is looked at again each interval, autotuned or not: a sidecar
  // that dies or restarts with its default tuning changes no Kubernetes
  // object, so only polling its admin API notices.
  return {ReconcileResult::Kind::kRequeueAfter, options_.autotune_interval, ""};
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
