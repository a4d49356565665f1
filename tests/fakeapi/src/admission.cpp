#include "admission.hpp"

#include <algorithm>
#include <charconv>

#include "resource_path.hpp"
#include "selectors.hpp"
#include "webhook_client.hpp"
#include "yaml_body.hpp"

namespace trove::fakeapi {

namespace {

constexpr const char* kConfigurationKey =
    "admissionregistration.k8s.io/mutatingwebhookconfigurations";
// kube-apiserver's defaults and bounds for timeoutSeconds.
constexpr int kDefaultTimeoutSeconds = 10;
constexpr int kMinTimeoutSeconds = 1;
constexpr int kMaxTimeoutSeconds = 30;
constexpr std::uint16_t kDefaultServicePort = 443;

bool list_has(const json::Value* list, std::string_view wanted) {
  if (list == nullptr || !list->IsArray()) return false;
  return std::any_of(list->Begin(), list->End(), [&](const json::Value& v) {
    return v.IsString() && (v.GetString() == std::string_view("*") || v.GetString() == wanted);
  });
}

bool rule_matches(const json::Value& rule, const AdmissionPlan& plan) {
  std::string scope = json::string_at(rule, {"scope"}, "*");
  if (scope == "Namespaced" && !plan.namespaced) return false;
  if (scope == "Cluster" && plan.namespaced) return false;
  return list_has(json::find(rule, "operations"), "CREATE") &&
         list_has(json::find(rule, "apiGroups"), plan.group) &&
         list_has(json::find(rule, "apiVersions"), plan.version) &&
         list_has(json::find(rule, "resources"), plan.plural);
}

// One webhook of a configuration, with kube-apiserver's defaults filled in.
struct Webhook {
  const json::Value* spec = nullptr;
  std::string name;
  bool fail_closed = true;
  bool reinvoke = false;
  int timeout_seconds = kDefaultTimeoutSeconds;
};

Webhook read_webhook(const json::Value& spec) {
  Webhook w;
  w.spec = &spec;
  w.name = json::string_at(spec, {"name"});
  w.fail_closed = json::string_at(spec, {"failurePolicy"}, "Fail") != "Ignore";
  w.reinvoke = json::string_at(spec, {"reinvocationPolicy"}) == "IfNeeded";
  if (const json::Value* t = json::find(spec, "timeoutSeconds"); t && t->IsInt()) {
    w.timeout_seconds = std::clamp(t->GetInt(), kMinTimeoutSeconds, kMaxTimeoutSeconds);
  }
  return w;
}

// Whether the webhook wants this object; *error when a selector is malformed
// matches nothing (kube-apiserver refuses such a configuration when written).
bool webhook_matches(const Webhook& w, const AdmissionPlan& plan, const json::Value& object,
                     std::string* error) {
  const json::Value* rules = json::find(*w.spec, "rules");
  if (rules == nullptr || !rules->IsArray()) return false;
  bool any_rule = std::any_of(rules->Begin(), rules->End(), [&](const json::Value& r) {
    return r.IsObject() && rule_matches(r, plan);
  });
  if (!any_rule) return false;
  auto objects = LabelSelector::from_object(json::find(*w.spec, "objectSelector"), error);
  auto namespaces = LabelSelector::from_object(json::find(*w.spec, "namespaceSelector"), error);
  if (!objects || !namespaces) return false;
  if (plan.namespaced && !namespaces->matches(plan.namespace_object)) return false;
  return objects->matches(object);
}

// Where the call goes: clientConfig.url, or a service, which the fake
// resolves to 127.0.0.1:<port> (it has no cluster network) while the
// certificate must still name <service>.<namespace>.svc.
std::optional<WebhookTarget> target_of(const Webhook& w, std::string* error) {
  WebhookTarget t;
  t.timeout = std::chrono::seconds(w.timeout_seconds);
  const json::Value* config = json::find(*w.spec, "clientConfig");
  if (config == nullptr || !config->IsObject()) {
    *error = "clientConfig is missing";
    return std::nullopt;
  }
  if (auto bundle = base64_decode(json::string_at(*config, {"caBundle"}))) t.ca_bundle = *bundle;
  std::string query = "?timeout=" + std::to_string(w.timeout_seconds) + "s";
  if (const json::Value* service = json::find(*config, "service"); service && service->IsObject()) {
    t.connect_host = "127.0.0.1";
    t.server_name = json::string_at(*service, {"name"}) + "." +
                    json::string_at(*service, {"namespace"}) + ".svc";
    const json::Value* port = json::find(*service, "port");
    t.port = port && port->IsUint() && port->GetUint() <= 0xffff
                 ? static_cast<std::uint16_t>(port->GetUint())
                 : kDefaultServicePort;
    t.path = json::string_at(*service, {"path"}, "/") + query;
    return t;
  }
  std::string url = json::string_at(*config, {"url"});
  // https://host[:port][/path]; an IP host is connected to directly.
  if (!url.starts_with("https://")) {
    *error = "clientConfig needs a service or an https url";
    return std::nullopt;
  }
  std::string rest = url.substr(8);
  std::size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  t.path = (slash == std::string::npos ? "/" : rest.substr(slash)) + query;
  std::size_t colon = authority.rfind(':');
  t.server_name = authority.substr(0, colon);
  if (colon != std::string::npos) {
    std::string_view digits = std::string_view(authority).substr(colon + 1);
    unsigned port = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec != std::errc() || end != digits.data() + digits.size() || port == 0 || port > 0xffff) {
      *error = "clientConfig.url has an invalid port";
      return std::nullopt;
    }
    t.port = static_cast<std::uint16_t>(port);
  }
  if (t.server_name.empty()) {
    *error = "clientConfig.url has no host";
    return std::nullopt;
  }
  t.connect_host = t.server_name == "localhost" ? "127.0.0.1" : t.server_name;
  return t;
}

std::string review_text(const AdmissionPlan& plan, const json::Value& object,
                        const std::string& uid, bool dry_run) {
  std::string gvk = "{\"group\":" + json::quote(plan.group) +
                    ",\"version\":" + json::quote(plan.version) +
                    ",\"kind\":" + json::quote(plan.kind) + "}";
  std::string gvr = "{\"group\":" + json::quote(plan.group) +
                    ",\"version\":" + json::quote(plan.version) +
                    ",\"resource\":" + json::quote(plan.plural) + "}";
  std::string name = json::string_at(object, {"metadata", "name"});
  return R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":)" +
         json::quote(uid) + ",\"kind\":" + gvk + ",\"resource\":" + gvr +
         ",\"requestKind\":" + gvk + ",\"requestResource\":" + gvr +
         ",\"name\":" + json::quote(name) + ",\"namespace\":" + json::quote(plan.ns) +
         R"(,"operation":"CREATE","userInfo":{"username":"system:admin","groups":["system:masters","system:authenticated"]},"object":)" +
         json::to_string(object) + R"(,"oldObject":null,"dryRun":)" + (dry_run ? "true" : "false") +
         R"(,"options":{"apiVersion":"meta.k8s.io/v1","kind":"CreateOptions"}}})";
}

// The webhook's reply decoded; an empty `problem` means it was usable.
struct Verdict {
  std::string problem;
  bool allowed = false;
  json::Document response;  // the AdmissionReview's .response
};

Verdict read_reply(const WebhookReply& reply, const std::string& uid) {
  Verdict v;
  if (!reply.delivered) {
    v.problem = reply.error;
    return v;
  }
  if (reply.status != 200) {
    v.problem = "the server responded with HTTP " + std::to_string(reply.status);
    return v;
  }
  json::Document doc;
  std::string error;
  const json::Value* response = nullptr;
  if (!json::parse(reply.body, doc, &error) || !doc.IsObject() ||
      (response = json::find(doc, "response")) == nullptr || !response->IsObject()) {
    v.problem = "received invalid webhook response: no AdmissionReview response";
    return v;
  }
  if (json::string_at(*response, {"uid"}) != uid) {
    v.problem = "expected response.uid=\"" + uid + "\", got \"" +
                json::string_at(*response, {"uid"}) + "\"";
    return v;
  }
  const json::Value* allowed = json::find(*response, "allowed");
  v.allowed = allowed != nullptr && allowed->IsBool() && allowed->GetBool();
  v.response.CopyFrom(*response, v.response.GetAllocator());
  return v;
}

// The webhook's denial as kube-apiserver words it (webhookerrors.ToStatusErr).
ApiResponse denial(const Webhook& w, const json::Value& response) {
  const json::Value* status = json::find(response, "status");
  int code = 0;
  std::string message, reason;
  if (status != nullptr && status->IsObject()) {
    if (const json::Value* c = json::find(*status, "code"); c && c->IsInt()) code = c->GetInt();
    message = json::string_at(*status, {"message"});
    reason = json::string_at(*status, {"reason"});
  }
  std::string denied = "admission webhook \"" + w.name + "\" denied the request";
  if (!message.empty()) {
    denied += ": " + message;
  } else if (!reason.empty()) {
    denied += ": " + reason;
  } else {
    denied += " without explanation";
  }
  code = std::max(code, 400);
  ApiError e = ApiError::from_status(code);
  e.message = denied;
  if (!reason.empty()) e.reason = reason;
  return ApiResponse::error(e);
}

struct Admission {
  const AdmissionPlan& plan;
  json::Document object;
  bool dry_run = false;
  int calls = 0;
  AdmissionOutcome outcome;
};

// The JSONPatch of an allowed reply applied to the object; "" or why not.
std::string apply_reply_patch(Admission& ad, const json::Value& response, bool* changed) {
  std::string encoded = json::string_at(response, {"patch"});
  if (encoded.empty()) return {};
  if (json::string_at(response, {"patchType"}) != "JSONPatch") {
    return "unsupported patch type \"" + json::string_at(response, {"patchType"}) + "\"";
  }
  auto text = base64_decode(encoded);
  json::Document ops;
  std::string error;
  if (!text || !json::parse(*text, ops, &error) || !ops.IsArray())
    return "the patch is not a JSON Patch";
  json::Document patched;
  patched.CopyFrom(ad.object, patched.GetAllocator());
  if (std::string problem = json::json_patch(patched, ops, patched.GetAllocator());
      !problem.empty()) {
    return problem;
  }
  *changed = patched != ad.object;
  ad.object.Swap(patched);
  return {};
}

// One call; false when the create must stop (ad.outcome.refusal is set).
bool call_one(Admission& ad, const Webhook& w, bool* changed) {
  std::string error;
  auto target = target_of(w, &error);
  std::string uid = "fake-admission-" + std::to_string(++ad.calls);
  Verdict v;
  if (target) {
    v = read_reply(call_webhook(*target, review_text(ad.plan, ad.object, uid, ad.dry_run)), uid);
  } else {
    v.problem = error;
  }
  if (!v.problem.empty()) {
    if (!w.fail_closed) return true;  // failurePolicy Ignore: admitted as it is
    std::string url = target ? "https://" + target->server_name + ":" +
                                   std::to_string(target->port) + target->path
                             : "";
    ad.outcome.refusal = ApiResponse::error(
        ApiError::internal("failed calling webhook \"" + w.name +
                           "\": failed to call webhook: Post \"" + url + "\": " + v.problem));
    return false;
  }
  if (const json::Value* warnings = json::find(v.response, "warnings");
      warnings && warnings->IsArray()) {
    for (const auto& warning : warnings->GetArray()) {
      if (warning.IsString()) ad.outcome.warnings.emplace_back(warning.GetString());
    }
  }
  if (!v.allowed) {
    ad.outcome.refusal = denial(w, v.response);
    return false;
  }
  if (std::string problem = apply_reply_patch(ad, v.response, changed); !problem.empty()) {
    // A bad patch fails the request whatever the failure policy.
    ad.outcome.refusal = ApiResponse::error(ApiError::internal(problem));
    return false;
  }
  return true;
}

}  // namespace

std::optional<AdmissionPlan> plan_admission(ApiState& state, const ApiRequest& request) {
  if (request.method != "POST") return std::nullopt;
  auto ref = parse_resource_path(request.path);
  if (!ref || !ref->name.empty() || !ref->subresource.empty()) return std::nullopt;
  std::lock_guard lock(state.mutex);
  auto configurations = state.store.list(kConfigurationKey, "");
  if (configurations.empty()) return std::nullopt;
  auto type = state.registry.find(ref->group, ref->version, ref->plural);
  if (!type) return std::nullopt;
  AdmissionPlan plan;
  plan.group = type->group;
  plan.version = type->version;
  plan.plural = type->plural;
  plan.kind = type->kind;
  plan.namespaced = type->namespaced;
  plan.ns = ref->ns;
  for (const ObjectPtr& c : configurations)
    plan.configuration_texts.push_back(c->text);
  auto& a = plan.namespace_object.GetAllocator();
  plan.namespace_object.SetObject();
  if (ObjectPtr ns = state.store.get("/namespaces", "", plan.ns)) {
    plan.namespace_object.CopyFrom(ns->doc, a);
  }
  // kube-apiserver labels every namespace with its own name.
  json::Value& labels =
      json::ensure_object(json::ensure_object(plan.namespace_object, "metadata", a), "labels", a);
  json::set(labels, "kubernetes.io/metadata.name", json::str(plan.ns, a), a);
  return plan;
}

}  // namespace trove::fakeapi

namespace trove::fakeapi {

namespace {

// Every webhook in configuration-name order (kube-apiserver sorts them so).
std::vector<Webhook> webhooks_of(const std::vector<json::Document>& configurations) {
  std::vector<Webhook> out;
  for (const json::Document& c : configurations) {
    const json::Value* list = json::find(c, "webhooks");
    if (list == nullptr || !list->IsArray()) continue;
    for (const auto& spec : list->GetArray()) {
      if (spec.IsObject()) out.push_back(read_webhook(spec));
    }
  }
  return out;
}

}  // namespace

AdmissionOutcome run_admission(const AdmissionPlan& plan, ApiRequest& request) {
  Admission ad{plan, {}, false, 0, {}};
  std::string error;
  if (!parse_json_or_yaml(request.body, ad.object, &error) || !ad.object.IsObject()) {
    return {};  // the create itself answers the malformed body
  }
  ad.dry_run = request.param("dryRun").has_value();
  std::vector<json::Document> configurations(plan.configuration_texts.size());
  for (std::size_t i = 0; i < configurations.size(); ++i) {
    json::parse(plan.configuration_texts[i], configurations[i], &error);
  }
  std::vector<Webhook> hooks = webhooks_of(configurations);
  std::vector<bool> called(hooks.size(), false);
  std::size_t last_change = 0;
  bool any_change = false;
  for (std::size_t i = 0; i < hooks.size(); ++i) {
    bool changed = false;
    if (!webhook_matches(hooks[i], plan, ad.object, &error)) continue;
    called[i] = true;
    if (!call_one(ad, hooks[i], &changed)) return std::move(ad.outcome);
    if (changed) {
      any_change = true;
      last_change = i;
    }
  }
  // Reinvocation: an IfNeeded webhook sees the object again when a later
  // webhook changed it (once, as kube-apiserver does).
  for (std::size_t i = 0; any_change && i < last_change; ++i) {
    bool changed = false;
    if (!called[i] || !hooks[i].reinvoke || !webhook_matches(hooks[i], plan, ad.object, &error))
      continue;
    if (!call_one(ad, hooks[i], &changed)) return std::move(ad.outcome);
  }
  if (any_change) {
    request.body = json::to_string(ad.object);
    request.content_type = "application/json";
  }
  return std::move(ad.outcome);
}

}  // namespace trove::fakeapi
