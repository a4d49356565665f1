#include "controller/hunt_status.hpp"

#include <algorithm>
#include <ctime>

#include "trove/common/json.hpp"

namespace trove::controller {

namespace {

using rapidjson::Document;
using rapidjson::Value;

// A message is for humans: name a handful of pods, count the rest.
constexpr std::size_t kPodsNamedInMessage = 5;

const char* reason_for(PodErrorKind k) {
  switch (k) {
    case PodErrorKind::kUnreachable:
      return "SidecarUnreachable";
    case PodErrorKind::kUnauthorized:
      return "SidecarUnauthorized";
    case PodErrorKind::kRejected:
      return "SidecarRejected";
    case PodErrorKind::kBadAnswer:
      return "SidecarBadAnswer";
    case PodErrorKind::kNone:
      break;
  }
  return "SidecarError";
}

std::string str_member(const Value* obj, const char* name) {
  return std::string(common::string_member(obj, name).value_or(""));
}

const Value* find_pod_entry(const Value* previous, const std::string& name) {
  const Value* pods = common::find_member(previous, "pods");
  if (pods == nullptr || !pods->IsArray()) return nullptr;
  for (const auto& p : pods->GetArray()) {
    if (str_member(&p, "name") == name) return &p;
  }
  return nullptr;
}

// The CRD declares a pod's generation format int64, and the API server
// refuses a larger number: a sidecar's unsigned generation above it (another
// writer's) is shown as the largest the field holds.
std::int64_t status_generation(std::uint64_t generation) {
  constexpr auto kMaxStatusGeneration = static_cast<std::uint64_t>(INT64_MAX);
  return static_cast<std::int64_t>(std::min(generation, kMaxStatusGeneration));
}

struct ConditionSpec {
  const char* type;
  bool status;
  std::string reason;
  std::string message;
};

void add_condition(Document& doc, Value& list, const ConditionSpec& c, std::int64_t generation,
                   const Value* previous, const std::string& now) {
  auto& a = doc.GetAllocator();
  const char* status = c.status ? "True" : "False";
  std::string since = now;
  if (previous != nullptr) {
    const Value* old = find_condition(*previous, c.type);
    if (old != nullptr && str_member(old, "status") == status) {
      if (std::string t = str_member(old, "lastTransitionTime"); !t.empty()) since = t;
    }
  }
  Value v(rapidjson::kObjectType);
  v.AddMember("type", Value(c.type, a), a);
  v.AddMember("status", Value(status, a), a);
  v.AddMember("reason", Value(c.reason.c_str(), a), a);
  v.AddMember("message", Value(c.message.c_str(), a), a);
  v.AddMember("observedGeneration", generation, a);
  v.AddMember("lastTransitionTime", Value(since.c_str(), a), a);
  list.PushBack(v, a);
}

std::string join_limited(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < kPodsNamedInMessage; ++i) {
    if (i) out += "; ";
    out += items[i];
  }
  if (items.size() > kPodsNamedInMessage) {
    out += "; and " + std::to_string(items.size() - kPodsNamedInMessage) + " more";
  }
  return out;
}

Value pod_entry(Document& doc, const PodOutcome& p, const Value* previous, const std::string& now) {
  auto& a = doc.GetAllocator();
  Value v(rapidjson::kObjectType);
  v.AddMember("name", Value(p.name.c_str(), a), a);
  const Value* old = find_pod_entry(previous, p.name);
  if (p.running) {
    const char* source = to_string(p.desired.source);
    v.AddMember("arenaBytes", p.running->arena_bytes, a);
    v.AddMember("epochMillis", p.running->epoch_millis, a);
    v.AddMember("source", Value(source, a), a);
    v.AddMember("generation", status_generation(p.running->generation), a);
    // appliedTime and decision describe the tuning; they move only with it.
    const bool same = old != nullptr &&
                      common::uint64_member(old, "arenaBytes") == p.running->arena_bytes &&
                      common::uint64_member(old, "epochMillis") == p.running->epoch_millis &&
                      str_member(old, "source") == source;
    std::string when = same ? str_member(old, "appliedTime") : "";
    std::string decision = same ? str_member(old, "decision") : p.desired.decision;
    if (when.empty()) when = now;
    v.AddMember("appliedTime", Value(when.c_str(), a), a);
    v.AddMember("decision", Value(decision.substr(0, 1024).c_str(), a), a);
  }
  if (!p.error.empty()) v.AddMember("lastError", Value(p.error.substr(0, 1024).c_str(), a), a);
  return v;
}

}  // namespace

const Value* find_condition(const Value& status, const char* type) {
  const Value* conds = common::find_member(status, "conditions");
  if (conds == nullptr || !conds->IsArray()) return nullptr;
  // Indexed, not range-for: str_member's null check on &element made
  // clang-analyzer assume an element's address can be null and report the
  // range-for iterator's next dereference (a false positive).
  const Value& list = *conds;
  for (rapidjson::SizeType i = 0; i < list.Size(); ++i) {
    if (str_member(&list[i], "type") == type) return &list[i];
  }
  return nullptr;
}

namespace {

// What the pods and conflicts of one reconcile add up to.
struct Tally {
  std::size_t tuned = 0;
  std::vector<std::string> errors;  // "pod <name>: <error>", in pod order
  PodErrorKind first_error = PodErrorKind::kNone;
  std::vector<std::string> conflicts;
};

Tally tally(const StatusInput& in) {
  Tally t;
  for (const auto& p : in.pods) {
    if (p.tuned()) ++t.tuned;
    if (p.error_kind != PodErrorKind::kNone) {
      if (t.first_error == PodErrorKind::kNone) t.first_error = p.error_kind;
      t.errors.push_back("pod " + p.name + ": " + p.error);
    }
  }
  for (const auto& c : in.conflicts) {
    t.conflicts.push_back("pod " + c.pod + " is tuned by older hunt " + c.owner);
  }
  return t;
}

struct Conditions {
  ConditionSpec ready{"Ready", false, "", ""};
  ConditionSpec progressing{"Progressing", false, "", ""};
  ConditionSpec degraded{"Degraded", false, "AsExpected", "no errors"};
};

Conditions conditions_for(const StatusInput& in, const Tally& t) {
  Conditions c;
  if (!in.spec_error.empty()) {
    c.ready.reason = "InvalidSpec";
    c.ready.message = in.spec_error;
    c.progressing.reason = "InvalidSpec";
    c.progressing.message = "nothing is tuned until the spec is fixed";
    c.degraded = {"Degraded", true, "InvalidSpec", in.spec_error};
    return c;
  }
  const std::size_t pending = in.pods.size() - t.tuned;
  const std::string counts =
      std::to_string(t.tuned) + " of " + std::to_string(in.pods.size()) + " pods tuned";
  c.ready.status = pending == 0;
  c.ready.reason = pending == 0 ? "AllPodsTuned" : "PodsNotTuned";
  c.ready.message = counts;
  c.progressing.status = pending > 0 && t.errors.size() < pending;
  c.progressing.reason = c.progressing.status ? "Tuning" : "Settled";
  c.progressing.message = counts;
  if (!t.conflicts.empty() || !t.errors.empty()) {
    std::vector<std::string> all = t.conflicts;
    all.insert(all.end(), t.errors.begin(), t.errors.end());
    c.degraded = {"Degraded", true, t.conflicts.empty() ? reason_for(t.first_error) : "Conflict",
                  join_limited(all)};
  }
  return c;
}

// The pods list: errors first (what an operator looks for), then by name;
// capped at kMaxStatusPods.
Value pod_entries(Document& doc, const StatusInput& in, const Value* previous) {
  std::vector<const PodOutcome*> order;
  for (const auto& p : in.pods)
    order.push_back(&p);
  std::sort(order.begin(), order.end(), [](const PodOutcome* x, const PodOutcome* y) {
    const bool ex = x->error_kind != PodErrorKind::kNone;
    const bool ey = y->error_kind != PodErrorKind::kNone;
    return ex != ey ? ex : x->name < y->name;
  });
  Value pods(rapidjson::kArrayType);
  for (std::size_t i = 0; i < order.size() && i < kMaxStatusPods; ++i) {
    pods.PushBack(pod_entry(doc, *order[i], previous, in.now), doc.GetAllocator());
  }
  return pods;
}

}  // namespace

Document build_status(const StatusInput& in, const Value* previous) {
  Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  if (previous != nullptr && !previous->IsObject()) previous = nullptr;

  const Tally t = tally(in);
  doc.AddMember("observedGeneration", in.generation, a);
  doc.AddMember("podCount", static_cast<std::uint64_t>(in.pods.size()), a);
  doc.AddMember("tunedCount", static_cast<std::uint64_t>(t.tuned), a);
  doc.AddMember("conflictCount", static_cast<std::uint64_t>(in.conflicts.size()), a);

  const Conditions c = conditions_for(in, t);
  Value conds(rapidjson::kArrayType);
  add_condition(doc, conds, c.ready, in.generation, previous, in.now);
  add_condition(doc, conds, c.progressing, in.generation, previous, in.now);
  add_condition(doc, conds, c.degraded, in.generation, previous, in.now);
  doc.AddMember("conditions", conds, a);

  Value pods = pod_entries(doc, in, previous);
  doc.AddMember("pods", pods, a);
  const std::size_t omitted = in.pods.size() > kMaxStatusPods ? in.pods.size() - kMaxStatusPods : 0;
  doc.AddMember("podsOmitted", static_cast<std::uint64_t>(omitted), a);
  return doc;
}

bool same_status(const Value& built, const Value* previous) {
  // rapidjson's operator== compares objects member-wise regardless of order
  // and numbers by value, which is what "no-op write" means here.
  return previous != nullptr && built == *previous;
}

std::string rfc3339_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace trove::controller
