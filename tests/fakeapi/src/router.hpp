// From request to response: discovery, OpenAPI, resources and the /_fake
// control endpoints. Plain functions, no sockets.
#pragma once

#include <string>

#include "api_state.hpp"
#include "api_types.hpp"

namespace trove::fakeapi {

// The verb and plural resource of an API request ("" for non-resource paths
// such as discovery), used for fault matching and statistics.
struct RequestClass {
  std::string verb;
  std::string resource;
};
RequestClass classify(const ApiRequest& request);

bool is_control_path(const std::string& path);

// Serves an API (non-control) request; takes state.mutex.
ApiResponse route(ApiState& state, const ApiRequest& request);

// Serves /_fake/*; takes the locks it needs.
ApiResponse route_control(ApiState& state, const ApiRequest& request);

// The control endpoints table (method, path, mutates, help), for /_fake/help.
std::string control_help();

}  // namespace trove::fakeapi
