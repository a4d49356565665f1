#include "controller/pod_view.hpp"

#include <charconv>

namespace trove::controller {

namespace {

const rapidjson::Value* member(const rapidjson::Value* obj, const char* name) {
  if (obj == nullptr || !obj->IsObject()) return nullptr;
  auto it = obj->FindMember(name);
  return it == obj->MemberEnd() ? nullptr : &it->value;
}

std::string str(const rapidjson::Value* obj, const char* name) {
  const rapidjson::Value* v = member(obj, name);
  return v != nullptr && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : "";
}

std::optional<int> parse_port(const std::string& text) {
  int port = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, port);
  if (ec != std::errc() || ptr != end || port < 1 || port > 65535) return std::nullopt;
  return port;
}

}  // namespace

PodView read_pod(const rapidjson::Value& pod) {
  PodView p;
  const rapidjson::Value* meta = member(&pod, "metadata");
  const rapidjson::Value* status = member(&pod, "status");
  p.ns = str(meta, "namespace");
  p.name = str(meta, "name");
  p.labels = parse_labels(member(meta, "labels"));
  p.deleting =
      member(meta, "deletionTimestamp") != nullptr && !member(meta, "deletionTimestamp")->IsNull();
  if (std::string port = str(member(meta, "annotations"), kAdminPortAnnotation); !port.empty()) {
    p.admin_port = parse_port(port);
  }
  p.ip = str(status, "podIP");
  p.running = str(status, "phase") == "Running";
  if (const rapidjson::Value* conds = member(status, "conditions");
      conds != nullptr && conds->IsArray()) {
    for (const auto& c : conds->GetArray()) {
      if (str(&c, "type") == "Ready") p.ready = str(&c, "status") == "True";
    }
  }
  return p;
}

std::string PodView::signature() const {
  std::string s = ip + "|" + (running ? "R" : "-") + (ready ? "Y" : "-") + (deleting ? "D" : "-") +
                  "|" + std::to_string(admin_port.value_or(0)) + "|";
  for (const auto& [k, v] : labels)
    s += k + "=" + v + ",";
  return s;
}

}  // namespace trove::controller
