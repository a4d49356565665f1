// The /_fake control endpoints: one table (method, path, mutates, help) in
// the style of Envoy's admin interface; /_fake/help is generated from it.
#include <array>

#include "json_util.hpp"
#include "router.hpp"

namespace trove::fakeapi {

namespace {

struct ControlEndpoint {
  const char* method;
  const char* path;
  bool mutates;
  const char* help;
  ApiResponse (*handler)(ApiState&, const ApiRequest&);
};

std::string stats_json(const StatsSnapshot& s) {
  auto map_json = [](const std::map<std::string, std::uint64_t>& m) {
    std::string out = "{";
    bool first = true;
    for (const auto& [k, v] : m) {
      out += (first ? "" : ",") + json::quote(k) + ":" + std::to_string(v);
      first = false;
    }
    return out + "}";
  };
  return "{\"requests\":" + map_json(s.requests_by_verb) +
         ",\"requestsByResource\":" + map_json(s.requests_by_verb_resource) +
         ",\"watchesOpened\":" + std::to_string(s.watches_opened) +
         ",\"lists\":" + std::to_string(s.lists) +
         ",\"activeWatches\":" + std::to_string(s.active_watches) +
         ",\"faultsInjected\":" + std::to_string(s.faults_injected) +
         ",\"unauthorized\":" + std::to_string(s.unauthorized) + "}";
}

ApiResponse get_stats(ApiState& state, const ApiRequest&) {
  std::lock_guard lock(state.stats_mutex);
  return ApiResponse::json(200, stats_json(state.stats));
}

ApiResponse reset_stats(ApiState& state, const ApiRequest&) {
  std::lock_guard lock(state.stats_mutex);
  std::uint64_t active = state.stats.active_watches;
  state.stats = StatsSnapshot{};
  state.stats.active_watches = active;
  return ApiResponse::json(200, stats_json(state.stats));
}

ApiResponse get_faults(ApiState& state, const ApiRequest&) {
  return ApiResponse::json(200, state.faults.to_json());
}

ApiResponse set_faults(ApiState& state, const ApiRequest& request) {
  std::string error = state.faults.apply_json(request.body);
  if (!error.empty()) return ApiResponse::error(ApiError::bad_request(error));
  return ApiResponse::json(200, state.faults.to_json());
}

ApiResponse clear_faults(ApiState& state, const ApiRequest&) {
  state.faults.clear();
  return ApiResponse::json(200, state.faults.to_json());
}

ApiResponse expire(ApiState& state, const ApiRequest& request) {
  bool close_watches = true;
  if (!request.body.empty()) {
    json::Document doc;
    if (!json::parse(request.body, doc, nullptr) || !doc.IsObject()) {
      return ApiResponse::error(ApiError::bad_request("the body must be a JSON object"));
    }
    if (const json::Value* v = json::find(doc, "closeWatches")) {
      if (!v->IsBool())
        return ApiResponse::error(ApiError::bad_request("closeWatches must be a boolean"));
      close_watches = v->GetBool();
    }
  }
  std::lock_guard lock(state.mutex);
  state.store.compact();
  if (close_watches) ++state.expire_epoch;
  state.notify();
  return ApiResponse::json(
      200, "{\"compactedResourceVersion\":\"" + std::to_string(state.store.compacted_rv()) + "\"}");
}

ApiResponse close_watches(ApiState& state, const ApiRequest&) {
  std::lock_guard lock(state.mutex);
  ++state.close_epoch;
  state.notify();
  return ApiResponse::json(200, "{}");
}

std::string help_json();
ApiResponse help(ApiState&, const ApiRequest&) {
  return ApiResponse::json(200, help_json());
}

constexpr std::array<ControlEndpoint, 8> kEndpoints = {{
    {"GET", "/_fake/help", false, "this list", help},
    {"GET", "/_fake/stats", false, "request counters by verb and resource, watches opened, lists",
     get_stats},
    {"POST", "/_fake/stats/reset", true, "zero the counters", reset_stats},
    {"GET", "/_fake/faults", false, "the active faults (JSON form of POST /_fake/faults)",
     get_faults},
    {"POST", "/_fake/faults", true,
     "set faults: {latencyMs, requests:[{verb,resource,status,retryAfterSeconds,count,fraction}], "
     "watch:{closeAfterEvents,closeAfterMs,silent,expiredAsHttpStatus}, expireLists}",
     set_faults},
    {"DELETE", "/_fake/faults", true, "clear every fault", clear_faults},
    {"POST", "/_fake/expire", true,
     "compact history (older resourceVersions get 410); body {closeWatches: bool, default true} "
     "sends open watches an ERROR 410",
     expire},
    {"POST", "/_fake/close-watches", true, "end every open watch normally", close_watches},
}};

std::string help_json() {
  std::string out = "{\"endpoints\":[";
  for (std::size_t i = 0; i < kEndpoints.size(); ++i) {
    const ControlEndpoint& e = kEndpoints[i];
    out += std::string(i > 0 ? "," : "") + "{\"method\":" + json::quote(e.method) +
           ",\"path\":" + json::quote(e.path) + ",\"mutates\":" + (e.mutates ? "true" : "false") +
           ",\"help\":" + json::quote(e.help) + "}";
  }
  return out + "]}";
}

}  // namespace

std::string control_help() {
  return help_json();
}

ApiResponse route_control(ApiState& state, const ApiRequest& request) {
  bool path_known = false;
  for (const ControlEndpoint& e : kEndpoints) {
    if (request.path != e.path) continue;
    path_known = true;
    if (request.method == e.method) return e.handler(state, request);
  }
  if (path_known) return ApiResponse::error(ApiError::method_not_allowed("method not allowed"));
  return ApiResponse::error({404, "NotFound", "no such control endpoint; see GET /_fake/help"});
}

}  // namespace trove::fakeapi
