// CustomResourceDefinitions: checked and given an accepted status when
// written, and turned into served resource types.
#pragma once

#include <optional>

#include "api_error.hpp"
#include "api_state.hpp"

namespace trove::fakeapi::crd {

// Checks a CRD (name is <plural>.<group>, names, one storage version) and
// sets status (acceptedNames, Established/NamesAccepted, storedVersions).
std::optional<ApiError> prepare(json::Value& crd, json::Allocator& a);
// Serves every served version of the CRD (replacing what it served before).
void register_kinds(ApiState& state, const json::Value& crd);
// Stops serving it and deletes all its objects (DELETED events).
void unregister(ApiState& state, const json::Value& crd);

}  // namespace trove::fakeapi::crd
