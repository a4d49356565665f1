#include "webhook/sidecar_template.hpp"

#include "trove/common/json.hpp"

namespace trove::webhook {
namespace {

using common::find_member;
using common::string_member;

std::optional<std::string> check_container(const rapidjson::Value* c, const char* which,
                                           bool native) {
  const std::string where = std::string("containers.") + which;
  if (c == nullptr || !c->IsObject()) return where + " is not an object";
  const auto name = string_member(c, "name");
  if (!name || name->empty()) return where + ".name is missing";
  const auto restart = string_member(c, "restartPolicy");
  if (native && restart != "Always") return where + ".restartPolicy is not \"Always\"";
  if (!native && restart) return where + " has a restartPolicy (only a native sidecar has one)";
  return std::nullopt;
}

std::optional<std::string> check_named_list(const rapidjson::Value* list, const char* key) {
  if (list == nullptr || !list->IsArray()) return std::string(key) + " is not an array";
  for (const auto& item : list->GetArray()) {
    const auto name = string_member(item, "name");
    if (!name || name->empty()) return std::string(key) + " has an item without a name";
  }
  return std::nullopt;
}

std::optional<std::string> check_labels(const rapidjson::Value* labels) {
  if (labels == nullptr || !labels->IsObject() || labels->MemberCount() == 0) {
    return "podLabels is not a non-empty object";
  }
  for (const auto& m : labels->GetObject()) {
    if (!m.value.IsString()) return "podLabels has a value that is not a string";
  }
  return std::nullopt;
}

std::optional<NativeMode> native_mode(const rapidjson::Value& doc) {
  const auto text = string_member(doc, "native");
  if (text == "auto") return NativeMode::kAuto;
  if (text == "true") return NativeMode::kAlways;
  if (text == "false") return NativeMode::kNever;
  return std::nullopt;
}

std::optional<std::string> fill(SidecarTemplate& t) {
  const auto& doc = *t.doc;
  const auto mode = native_mode(doc);
  if (!mode) return "native is not \"auto\", \"true\" or \"false\"";
  t.native_mode = *mode;
  const auto* containers = find_member(doc, "containers");
  t.plain_container = find_member(containers, "plain");
  t.native_container = find_member(containers, "native");
  t.volumes = find_member(doc, "volumes");
  t.image_pull_secrets = find_member(doc, "imagePullSecrets");
  t.pod_labels = find_member(doc, "podLabels");
  if (auto e = check_container(t.plain_container, "plain", false)) return e;
  if (auto e = check_container(t.native_container, "native", true)) return e;
  t.container_name = std::string(*string_member(t.plain_container, "name"));
  if (string_member(t.native_container, "name") != t.container_name) {
    return "containers.plain and containers.native have different names";
  }
  if (auto e = check_named_list(t.volumes, "volumes")) return e;
  if (auto e = check_named_list(t.image_pull_secrets, "imagePullSecrets")) return e;
  return check_labels(t.pod_labels);
}

}  // namespace

std::variant<SidecarTemplate, TemplateError> parse_sidecar_template(std::string_view json) {
  if (json.size() > kMaxTemplateBytes) {
    return TemplateError{"sidecar template: " + std::to_string(json.size()) + " bytes, over the " +
                         std::to_string(kMaxTemplateBytes) + "-byte limit"};
  }
  auto doc = std::make_shared<rapidjson::Document>();
  if (auto error = common::parse_json(json, *doc)) {
    return TemplateError{"sidecar template: " + *error};
  }
  SidecarTemplate t;
  t.doc = doc;
  if (auto error = fill(t)) return TemplateError{"sidecar template: " + *error};
  return t;
}

}  // namespace trove::webhook
