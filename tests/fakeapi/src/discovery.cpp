#include "discovery.hpp"

#include <functional>
#include <sstream>

namespace trove::fakeapi::discovery {

namespace {

std::string string_array(const std::vector<std::string>& values) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ",";
    out += json::quote(values[i]);
  }
  return out + "]";
}

const char* kAllVerbs =
    R"(["create","delete","deletecollection","get","list","patch","update","watch"])";

std::string gv_path(const std::string& group, const std::string& version) {
  return group.empty() ? "api/" + version : "apis/" + group + "/" + version;
}

std::string hash_of(const std::string& text) {
  std::ostringstream out;
  out << std::hex << std::uppercase << std::hash<std::string>{}(text);
  return out.str();
}

}  // namespace

std::string version(int minor) {
  std::string m = std::to_string(minor);
  return R"({"major":"1","minor":")" + m + R"(","gitVersion":"v1.)" + m +
         R"(.0","gitCommit":"trove-fake-apiserver",)"
         R"("gitTreeState":"clean","buildDate":"2025-04-23T00:00:00Z","goVersion":"go1.24.2",)"
         R"("compiler":"gc","platform":"linux/amd64"})";
}

std::string core_versions(const ApiState& state) {
  return R"({"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":)" +
         json::quote(state.server_address) + "}]}";
}

std::string group_list(const ApiState& state) {
  std::string out = R"({"kind":"APIGroupList","apiVersion":"v1","groups":[)";
  bool first = true;
  for (const auto& [group, versions] : state.registry.groups()) {
    if (group.empty()) continue;
    if (!first) out += ",";
    first = false;
    out += "{\"name\":" + json::quote(group) + ",\"versions\":[";
    for (std::size_t i = 0; i < versions.size(); ++i) {
      if (i > 0) out += ",";
      out += "{\"groupVersion\":" + json::quote(group + "/" + versions[i]) +
             ",\"version\":" + json::quote(versions[i]) + "}";
    }
    out += "],\"preferredVersion\":{\"groupVersion\":" + json::quote(group + "/" + versions[0]) +
           ",\"version\":" + json::quote(versions[0]) + "}}";
  }
  return out + "]}";
}

std::optional<std::string> resource_list(const ApiState& state, const std::string& group,
                                         const std::string& version) {
  auto types = state.registry.in_group_version(group, version);
  if (types.empty()) return std::nullopt;
  std::string gv = group.empty() ? version : group + "/" + version;
  std::string out = R"({"kind":"APIResourceList","apiVersion":"v1","groupVersion":)" +
                    json::quote(gv) + ",\"resources\":[";
  bool first = true;
  for (const auto& t : types) {
    if (!first) out += ",";
    first = false;
    out += "{\"name\":" + json::quote(t->plural) + ",\"singularName\":" + json::quote(t->singular) +
           ",\"namespaced\":" + (t->namespaced ? "true" : "false") +
           ",\"kind\":" + json::quote(t->kind) + ",\"verbs\":" + kAllVerbs;
    if (!t->short_names.empty()) out += ",\"shortNames\":" + string_array(t->short_names);
    if (!t->categories.empty()) out += ",\"categories\":" + string_array(t->categories);
    out += "}";
    if (t->has_status) {
      out += ",{\"name\":" + json::quote(t->plural + "/status") +
             ",\"singularName\":\"\",\"namespaced\":" + (t->namespaced ? "true" : "false") +
             ",\"kind\":" + json::quote(t->kind) + R"(,"verbs":["get","patch","update"]})";
    }
  }
  return out + "]}";
}

std::optional<std::string> openapi_document(const ApiState& state, const std::string& path) {
  std::string group;
  std::string version;
  if (path.starts_with("api/")) {
    version = path.substr(4);
  } else if (path.starts_with("apis/")) {
    std::string rest = path.substr(5);
    std::size_t slash = rest.find('/');
    if (slash == std::string::npos) return std::nullopt;
    group = rest.substr(0, slash);
    version = rest.substr(slash + 1);
  } else {
    return std::nullopt;
  }
  auto types = state.registry.in_group_version(group, version);
  if (types.empty()) return std::nullopt;
  // Only what kubectl reads: a patch operation per kind carrying its GVK and
  // a fieldValidation parameter (kubectl's query-parameter verifier).
  std::string out =
      R"({"openapi":"3.0.0","info":{"title":"Kubernetes","version":"v1.33.0"},"paths":{)";
  bool first = true;
  for (const auto& t : types) {
    std::string base = "/" + gv_path(group, version) +
                       (t->namespaced ? "/namespaces/{namespace}/" : "/") + t->plural + "/{name}";
    std::string gvk = "{\"group\":" + json::quote(group) + ",\"version\":" + json::quote(version) +
                      ",\"kind\":" + json::quote(t->kind) + "}";
    std::string op =
        R"({"patch":{"operationId":)" + json::quote("patch" + t->kind) +
        R"(,"parameters":[{"name":"dryRun","in":"query","schema":{"type":"string","uniqueItems":true}},)"
        R"({"name":"fieldManager","in":"query","schema":{"type":"string","uniqueItems":true}},)"
        R"({"name":"fieldValidation","in":"query","schema":{"type":"string","uniqueItems":true}},)"
        R"({"name":"force","in":"query","schema":{"type":"boolean","uniqueItems":true}}],)"
        R"("responses":{"200":{"description":"OK"}},"x-kubernetes-action":"patch",)"
        R"("x-kubernetes-group-version-kind":)" +
        gvk + "}}";
    if (!first) out += ",";
    first = false;
    out += json::quote(base) + ":" + op;
    if (t->has_status) out.append(",").append(json::quote(base + "/status")).append(":").append(op);
  }
  return out + R"(},"components":{"schemas":{}}})";
}

std::string openapi_index(const ApiState& state) {
  // The hash covers the registry generation too, so it changes whenever a
  // CRD is created, changed or deleted (kubectl caches documents by URL).
  std::string out = R"({"paths":{)";
  bool first = true;
  for (const auto& [group, versions] : state.registry.groups()) {
    for (const std::string& version : versions) {
      std::string path = gv_path(group, version);
      auto doc = openapi_document(state, path);
      if (!doc) continue;
      if (!first) out += ",";
      first = false;
      out += json::quote(path) + ":{\"serverRelativeURL\":" +
             json::quote("/openapi/v3/" + path +
                         "?hash=" + hash_of(*doc + std::to_string(state.registry.generation()))) +
             "}";
    }
  }
  return out + "}}";
}

}  // namespace trove::fakeapi::discovery
