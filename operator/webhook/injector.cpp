#include "webhook/injector.hpp"

#include <string>
#include <variant>

#include "trove/common/json.hpp"
#include "webhook/json_patch.hpp"
#include "webhook/pod_overrides.hpp"

namespace trove::webhook {
namespace {

using common::find_member;
using common::string_member;
using Result = AdmissionDecision::Result;

AdmissionDecision skipped(std::string why) {
  return {Result::kSkipped, std::move(why), {}};
}

bool is_pod_create(const AdmissionRequest& r) {
  return r.group.empty() && r.version == "v1" && r.kind == "Pod" && r.operation == "CREATE" &&
         r.sub_resource.empty();
}

bool has_named(const rapidjson::Value* list, std::string_view name) {
  if (list == nullptr || !list->IsArray()) return false;
  for (const auto& item : list->GetArray()) {
    if (string_member(item, "name") == name) return true;
  }
  return false;
}

bool has_all_labels(const rapidjson::Value* labels, const rapidjson::Value& wanted) {
  for (const auto& m : wanted.GetObject()) {
    if (string_member(labels, m.name.GetString()) != std::string_view(m.value.GetString())) {
      return false;
    }
  }
  return true;
}

bool already_injected(const rapidjson::Value& pod, const SidecarTemplate& t) {
  const auto* spec = find_member(pod, "spec");
  if (has_named(find_member(spec, "containers"), t.container_name)) return true;
  if (has_named(find_member(spec, "initContainers"), t.container_name)) return true;
  const auto* labels = find_member(find_member(pod, "metadata"), "labels");
  return has_all_labels(labels, *t.pod_labels);
}

void add_container(const rapidjson::Value* spec, bool native, const rapidjson::Value& container,
                   JsonPatch& patch, rapidjson::Document::AllocatorType& a) {
  const char* list_name = native ? "initContainers" : "containers";
  const auto* list = find_member(spec, list_name);
  if (list == nullptr || !list->IsArray()) {
    rapidjson::Value one(rapidjson::kArrayType);
    one.PushBack(rapidjson::Value(container, a), a);
    patch.add(std::string("/spec/") + list_name, one);
    return;
  }
  // A native sidecar goes first, so it runs before (and serves) the other
  // init containers; a plain one goes last, after the app's own.
  patch.add(native ? "/spec/initContainers/0" : "/spec/containers/-", container);
}

// Adds the template's items of `key` (volumes, imagePullSecrets) that the
// pod has no item of the same name for; the pod's own win.
void add_missing_named(const rapidjson::Value* spec, const char* key,
                       const rapidjson::Value& wanted, JsonPatch& patch,
                       rapidjson::Document::AllocatorType& a) {
  const auto* list = find_member(spec, key);
  const bool exists = list != nullptr && list->IsArray();
  rapidjson::Value missing(rapidjson::kArrayType);
  for (const auto& item : wanted.GetArray()) {
    if (!has_named(list, *string_member(item, "name")))
      missing.PushBack(rapidjson::Value(item, a), a);
  }
  if (missing.Empty()) return;
  if (!exists) {
    patch.add(std::string("/spec/") + key, missing);
    return;
  }
  for (const auto& item : missing.GetArray())
    patch.add(std::string("/spec/") + key + "/-", item);
}

void add_labels(const rapidjson::Value& pod, const rapidjson::Value& wanted, JsonPatch& patch) {
  const auto* metadata = find_member(pod, "metadata");
  const auto* labels = find_member(metadata, "labels");
  if (labels == nullptr || !labels->IsObject()) {
    patch.add("/metadata/labels", wanted);
    return;
  }
  for (const auto& m : wanted.GetObject()) {
    const std::string_view key(m.name.GetString(), m.name.GetStringLength());
    if (string_member(labels, key) == std::string_view(m.value.GetString())) continue;
    patch.add("/metadata/labels/" + escape_pointer_token(key), m.value);
  }
}

std::string build_patch(const rapidjson::Value& pod, const InjectionContext& context,
                        const PodOverrides& overrides) {
  const SidecarTemplate& t = *context.sidecar;
  const bool native = use_native_sidecar(context);
  rapidjson::Document scratch;
  auto& a = scratch.GetAllocator();
  rapidjson::Value container(native ? *t.native_container : *t.plain_container, a);
  apply_pod_overrides(overrides, container, a);
  const auto* spec = find_member(pod, "spec");
  JsonPatch patch;
  if (find_member(pod, "metadata") == nullptr) {
    patch.add("/metadata", rapidjson::Value(rapidjson::kObjectType));
  }
  add_labels(pod, *t.pod_labels, patch);
  add_container(spec, native, container, patch, a);
  add_missing_named(spec, "volumes", *t.volumes, patch, a);
  add_missing_named(spec, "imagePullSecrets", *t.image_pull_secrets, patch, a);
  return patch.to_json();
}

}  // namespace

bool use_native_sidecar(const InjectionContext& context) {
  switch (context.sidecar->native_mode) {
    case NativeMode::kAlways:
      return true;
    case NativeMode::kNever:
      return false;
    case NativeMode::kAuto:
      break;
  }
  return context.server_supports_native;
}

AdmissionDecision decide_injection(const AdmissionRequest& request,
                                   const InjectionContext& context) {
  if (!is_pod_create(request)) return skipped("not a pod create");
  if (request.object == nullptr || !request.object->IsObject()) {
    return {Result::kRefused, "request.object is not a Pod object", {}};
  }
  const rapidjson::Value& pod = *request.object;
  if (!find_member(pod, "spec") || !find_member(pod, "spec")->IsObject()) {
    return {Result::kRefused, "the pod has no spec", {}};
  }
  const auto* metadata = find_member(pod, "metadata");
  if (metadata != nullptr && !metadata->IsObject()) {
    return {Result::kRefused, "the pod's metadata is not an object", {}};
  }
  if (string_member(find_member(metadata, "labels"), kInjectLabel) == "false") {
    return skipped("the pod opts out (trove.dev/inject: \"false\")");
  }
  if (already_injected(pod, *context.sidecar)) return skipped("the pod already has the sidecar");
  auto overrides = parse_pod_overrides(find_member(metadata, "annotations"));
  if (const auto* error = std::get_if<OverrideError>(&overrides)) {
    return {Result::kRefused, "trove sidecar injection: " + error->message, {}};
  }
  return {Result::kInjected, {}, build_patch(pod, context, std::get<PodOverrides>(overrides))};
}

}  // namespace trove::webhook
