// The sidecar the webhook injects, as the chart renders it: one JSON
// document (ConfigMap "<release>-sidecar-template", key sidecar.json) made
// from the same `trove.sidecarContainer` template that `include
// "trove.sidecar"` uses, so a port or flag change lands in one place
// (docs/webhook.md). Shape:
//   {"native": "auto"|"true"|"false",
//    "containers": {"plain": {container}, "native": {container with restartPolicy Always}},
//    "volumes": [volume...], "imagePullSecrets": [{"name":...}...],
//    "podLabels": {"trove.dev/sidecar": "true", ...}}
#pragma once

#include <rapidjson/document.h>

#include <memory>
#include <string>
#include <string_view>
#include <variant>

namespace trove::webhook {

// The rendered template is a few KiB; a file far larger is not one.
inline constexpr std::size_t kMaxTemplateBytes = 256 * 1024;

enum class NativeMode { kAuto, kAlways, kNever };

struct SidecarTemplate {
  std::shared_ptr<const rapidjson::Document> doc;  // owns every pointer below
  NativeMode native_mode = NativeMode::kAuto;
  std::string container_name;
  const rapidjson::Value* plain_container = nullptr;
  const rapidjson::Value* native_container = nullptr;
  const rapidjson::Value* volumes = nullptr;             // array
  const rapidjson::Value* image_pull_secrets = nullptr;  // array
  const rapidjson::Value* pod_labels = nullptr;          // object of strings
};

struct TemplateError {
  std::string message;
};

std::variant<SidecarTemplate, TemplateError> parse_sidecar_template(std::string_view json);

}  // namespace trove::webhook
