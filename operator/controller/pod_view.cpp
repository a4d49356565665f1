#include "controller/pod_view.hpp"

#include <algorithm>
#include <charconv>

#include "trove/common/json.hpp"

namespace trove::controller {

namespace {

using common::find_member;

// The member's text, "" when absent or not a string.
std::string str(const rapidjson::Value* obj, const char* name) {
  return std::string(common::string_member(obj, name).value_or(""));
}

std::optional<int> parse_port(const std::string& text) {
  int port = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, port);
  if (ec != std::errc() || ptr != end || port < 1 || port > 65535) return std::nullopt;
  return port;
}

ContainerView& container_named(std::vector<ContainerView>& containers, std::string name) {
  auto it = std::find_if(containers.begin(), containers.end(),
                         [&](const ContainerView& c) { return c.name == name; });
  if (it != containers.end()) return *it;
  return containers.emplace_back(ContainerView{std::move(name), {}, {}});
}

// spec.containers / spec.initContainers: names and declared ports.
void read_specs(const rapidjson::Value* list, std::vector<ContainerView>& out) {
  if (list == nullptr || !list->IsArray()) return;
  for (const auto& c : list->GetArray()) {
    if (!c.IsObject()) continue;
    ContainerView& view = container_named(out, str(&c, "name"));
    const rapidjson::Value* ports = find_member(&c, "ports");
    if (ports == nullptr || !ports->IsArray()) continue;
    for (const auto& p : ports->GetArray()) {
      const rapidjson::Value* port = find_member(&p, "containerPort");
      if (port != nullptr && port->IsInt()) view.ports.push_back(port->GetInt());
    }
  }
}

// status.containerStatuses / status.initContainerStatuses: the instance.
void read_statuses(const rapidjson::Value* list, std::vector<ContainerView>& out) {
  if (list == nullptr || !list->IsArray()) return;
  for (const auto& c : list->GetArray()) {
    if (!c.IsObject()) continue;
    const rapidjson::Value* restarts = find_member(&c, "restartCount");
    const std::string id = str(&c, "containerID");
    if (id.empty() && (restarts == nullptr || !restarts->IsInt64())) continue;
    container_named(out, str(&c, "name")).instance =
        id + "#" +
        (restarts != nullptr && restarts->IsInt64() ? std::to_string(restarts->GetInt64())
                                                    : std::string());
  }
}

}  // namespace

PodView read_pod(const rapidjson::Value& pod) {
  PodView p;
  const rapidjson::Value* meta = find_member(&pod, "metadata");
  const rapidjson::Value* status = find_member(&pod, "status");
  p.ns = str(meta, "namespace");
  p.name = str(meta, "name");
  p.uid = str(meta, "uid");
  p.labels = parse_labels(find_member(meta, "labels"));
  const rapidjson::Value* deletion = find_member(meta, "deletionTimestamp");
  p.deleting = deletion != nullptr && !deletion->IsNull();
  if (std::string port = str(find_member(meta, "annotations"), kAdminPortAnnotation);
      !port.empty()) {
    p.admin_port = parse_port(port);
  }
  p.ip = str(status, "podIP");
  p.running = str(status, "phase") == "Running";
  if (const rapidjson::Value* conds = find_member(status, "conditions");
      conds != nullptr && conds->IsArray()) {
    for (const auto& c : conds->GetArray()) {
      if (str(&c, "type") == "Ready") p.ready = str(&c, "status") == "True";
    }
  }
  const rapidjson::Value* spec = find_member(&pod, "spec");
  read_specs(find_member(spec, "containers"), p.containers);
  read_specs(find_member(spec, "initContainers"), p.containers);
  read_statuses(find_member(status, "containerStatuses"), p.containers);
  read_statuses(find_member(status, "initContainerStatuses"), p.containers);
  return p;
}

std::string PodView::sidecar_instance(int port) const {
  for (const auto& c : containers) {
    if (std::find(c.ports.begin(), c.ports.end(), port) != c.ports.end()) {
      return uid + "/" + c.name + "=" + c.instance;
    }
  }
  std::string s = uid;
  for (const auto& c : containers)
    s.append("/").append(c.name).append("=").append(c.instance);
  return s;
}

std::string PodView::signature() const {
  std::string s = ip + "|" + (running ? "R" : "-") + (ready ? "Y" : "-") + (deleting ? "D" : "-") +
                  "|" + std::to_string(admin_port.value_or(0)) + "|";
  for (const auto& [k, v] : labels)
    s.append(k).append("=").append(v).append(",");
  // A replaced container may be a sidecar of another version.
  s.append("|").append(uid);
  for (const auto& c : containers)
    s.append("|").append(c.name).append("=").append(c.instance);
  return s;
}

}  // namespace trove::controller
