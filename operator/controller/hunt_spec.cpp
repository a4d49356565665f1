#include "controller/hunt_spec.hpp"

#include "trove/common/json.hpp"

namespace trove::controller {

namespace {

using rapidjson::Value;

constexpr rapidjson::SizeType kMaxOverrides = 1000;  // the CRD's maxItems

// A null member is an unset one: what Kubernetes keeps for a cleared field.
const Value* member(const Value& obj, const char* name) {
  const Value* v = common::find_member(obj, name);
  return v == nullptr || v->IsNull() ? nullptr : v;
}

// Reads an optional integer field within [lo, hi]; absent keeps *out.
// Fractions, strings and numbers outside int64 are errors, not truncations.
bool read_int(const Value& obj, const char* name, std::int64_t lo, std::int64_t hi,
              const std::string& path, std::int64_t* out, std::string& error) {
  const Value* v = member(obj, name);
  if (v == nullptr) return true;
  if (!v->IsInt64() || v->GetInt64() < lo || v->GetInt64() > hi) {
    error = path + name + ": must be an integer in [" + std::to_string(lo) + ", " +
            std::to_string(hi) + "]";
    return false;
  }
  *out = v->GetInt64();
  return true;
}

bool read_optional_int(const Value& obj, const char* name, std::int64_t lo, std::int64_t hi,
                       const std::string& path, std::optional<std::int64_t>* out,
                       std::string& error) {
  if (member(obj, name) == nullptr) return true;
  std::int64_t value = 0;
  if (!read_int(obj, name, lo, hi, path, &value, error)) return false;
  *out = value;
  return true;
}

std::string read_string(const Value& obj, const char* name) {
  return std::string(common::string_member(obj, name).value_or(""));
}

bool parse_arena(const Value& v, ArenaSpec& a, std::string& error) {
  return read_int(v, "sizeMiB", kMinSizeMiB, kMaxSizeMiB, "spec.arena.", &a.size_mib, error) &&
         read_int(v, "epochMillis", kMinEpochMillis, kMaxEpochMillis, "spec.arena.",
                  &a.epoch_millis, error);
}

bool parse_autotune(const Value& v, AutotuneSpec& a, std::string& error) {
  const std::string p = "spec.autotune.";
  if (const Value* e = member(v, "enabled")) {
    if (!e->IsBool()) {
      error = p + "enabled: must be a boolean";
      return false;
    }
    a.enabled = e->GetBool();
  }
  if (!read_int(v, "minSizeMiB", kMinSizeMiB, kMaxSizeMiB, p, &a.min_size_mib, error) ||
      !read_int(v, "maxSizeMiB", kMinSizeMiB, kMaxSizeMiB, p, &a.max_size_mib, error) ||
      !read_int(v, "minEpochMillis", kMinEpochMillis, kMaxEpochMillis, p, &a.min_epoch_millis,
                error) ||
      !read_int(v, "maxEpochMillis", kMinEpochMillis, kMaxEpochMillis, p, &a.max_epoch_millis,
                error) ||
      !read_int(v, "windowSamples", 1, 120, p, &a.window_samples, error)) {
    return false;
  }
  if (a.min_size_mib > a.max_size_mib) {
    error = p + "minSizeMiB must not exceed maxSizeMiB";
    return false;
  }
  if (a.min_epoch_millis > a.max_epoch_millis) {
    error = p + "minEpochMillis must not exceed maxEpochMillis";
    return false;
  }
  if (const Value* t = member(v, "targets")) {
    const std::string tp = p + "targets.";
    AutotuneTargets& g = a.targets;
    if (!t->IsObject()) {
      error = tp + " must be an object";
      return false;
    }
    if (!read_int(*t, "resetPurgeBudgetMicros", 1, 10'000'000, tp, &g.reset_purge_budget_micros,
                  error) ||
        !read_int(*t, "maxRssMiB", 0, 4'194'304, tp, &g.max_rss_mib, error) ||
        !read_int(*t, "headroomPercent", 0, 400, tp, &g.headroom_percent, error) ||
        !read_int(*t, "maxStepPercent", 1, 100, tp, &g.max_step_percent, error) ||
        !read_int(*t, "hysteresisPercent", 0, 100, tp, &g.hysteresis_percent, error)) {
      return false;
    }
  }
  return true;
}

bool parse_overrides(const Value& v, std::map<std::string, PodOverride>& out, std::string& error) {
  if (!v.IsArray() || v.Size() > kMaxOverrides) {
    error = "spec.overrides: must be an array of at most 1000 entries";
    return false;
  }
  for (const auto& o : v.GetArray()) {
    const std::string pod = read_string(o, "podName");
    if (!o.IsObject() || pod.empty()) {
      error = "spec.overrides: every entry needs a podName";
      return false;
    }
    const std::string p = "spec.overrides[" + pod + "].";
    PodOverride po;
    if (!read_optional_int(o, "sizeMiB", kMinSizeMiB, kMaxSizeMiB, p, &po.size_mib, error) ||
        !read_optional_int(o, "epochMillis", kMinEpochMillis, kMaxEpochMillis, p, &po.epoch_millis,
                           error)) {
      return false;
    }
    if (!po.size_mib && !po.epoch_millis) {
      error = p + " sets neither sizeMiB nor epochMillis";
      return false;
    }
    if (!out.emplace(pod, po).second) {
      error = "spec.overrides: podName " + pod + " appears twice";
      return false;
    }
  }
  return true;
}

bool parse_spec(const Value& spec, HuntSpec& s, std::string& error) {
  if (!spec.IsObject()) {
    error = "spec: missing or not an object";
    return false;
  }
  const Value* sel = member(spec, "selector");
  if (sel == nullptr) {
    error = "spec.selector: missing";
    return false;
  }
  auto parsed = parse_label_selector(*sel, error);
  if (!parsed) {
    error = "spec." + error;
    return false;
  }
  s.selector = std::move(*parsed);
  if (const Value* a = member(spec, "arena"); a != nullptr && !parse_arena(*a, s.arena, error)) {
    return false;
  }
  if (const Value* a = member(spec, "autotune");
      a != nullptr && !parse_autotune(*a, s.autotune, error)) {
    return false;
  }
  if (const Value* o = member(spec, "overrides");
      o != nullptr && !parse_overrides(*o, s.overrides, error)) {
    return false;
  }
  std::int64_t port = s.admin_port;
  if (!read_int(spec, "adminPort", 1, 65535, "spec.", &port, error)) return false;
  s.admin_port = static_cast<int>(port);
  if (const Value* t = member(spec, "tokenSecretRef")) {
    TokenSecretRef ref;
    ref.name = read_string(*t, "name");
    if (std::string key = read_string(*t, "key"); !key.empty()) ref.key = key;
    if (ref.name.empty()) {
      error = "spec.tokenSecretRef.name: missing";
      return false;
    }
    s.token_secret_ref = ref;
  }
  return true;
}

}  // namespace

ParseResult parse_hunt(const Value& object) {
  ParseResult r;
  const Value* meta = member(object, "metadata");
  if (meta == nullptr || !meta->IsObject()) {
    r.error = "metadata: missing";
    return r;
  }
  Hunt& h = r.hunt;
  h.ns = read_string(*meta, "namespace");
  h.name = read_string(*meta, "name");
  h.uid = read_string(*meta, "uid");
  h.creation_timestamp = read_string(*meta, "creationTimestamp");
  if (const Value* g = member(*meta, "generation"); g != nullptr && g->IsInt64()) {
    h.generation = g->GetInt64();
  }
  if (h.name.empty()) {
    r.error = "metadata.name: missing";
    return r;
  }
  const Value* spec = member(object, "spec");
  if (spec == nullptr) {
    r.error = "spec: missing";
    return r;
  }
  r.ok = parse_spec(*spec, h.spec, r.error);
  return r;
}

}  // namespace trove::controller
