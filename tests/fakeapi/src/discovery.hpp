// Discovery (/version, /api, /apis, /api/v1, /apis/<g>/<v>) and the minimal
// OpenAPI v3 that `kubectl apply` needs (/openapi/v3, /openapi/v3/<gv>).
#pragma once

#include <optional>
#include <string>

#include "api_state.hpp"

namespace trove::fakeapi::discovery {

std::string version(int minor);
std::string core_versions(const ApiState& state);
std::string group_list(const ApiState& state);
// nullopt for a group/version that is not served.
std::optional<std::string> resource_list(const ApiState& state, const std::string& group,
                                         const std::string& version);
std::string openapi_index(const ApiState& state);
// gv_path is "api/v1" or "apis/<g>/<v>"; nullopt if not served.
std::optional<std::string> openapi_document(const ApiState& state, const std::string& gv_path);

}  // namespace trove::fakeapi::discovery
