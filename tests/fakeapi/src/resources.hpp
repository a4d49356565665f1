// Verbs on resources (get, list, watch, create, update, patch, delete,
// deletecollection). Every function runs with state.mutex held.
#pragma once

#include <string>

#include "api_state.hpp"
#include "api_types.hpp"
#include "resource_path.hpp"

namespace trove::fakeapi {

// The Kubernetes verb for a request on ref ("get", "list", "watch", ...).
std::string verb_of(const ApiRequest& request, const ResourceRef& ref);

ApiResponse serve_resource(ApiState& state, const ApiRequest& request, const ResourceRef& ref,
                           const ResourceType& type, const std::string& verb);

// Read side (resource_read.cpp).
ApiResponse get_object(ApiState& state, const ApiRequest& request, const ResourceRef& ref,
                       const ResourceType& type);
ApiResponse list_objects(ApiState& state, const ApiRequest& request, const ResourceRef& ref,
                         const ResourceType& type);
ApiResponse start_watch(ApiState& state, const ApiRequest& request, const ResourceRef& ref,
                        const std::shared_ptr<const ResourceType>& type);

// Write side (resource_write.cpp).
ApiResponse create_object(ApiState& state, const ApiRequest& request, const ResourceRef& ref,
                          const ResourceType& type);
ApiResponse update_object(ApiState& state, const ApiRequest& request, const ResourceRef& ref,
                          const ResourceType& type);
ApiResponse patch_object(ApiState& state, const ApiRequest& request, const ResourceRef& ref,
                         const ResourceType& type);
ApiResponse delete_object(ApiState& state, const ApiRequest& request, const ResourceRef& ref,
                          const ResourceType& type);
ApiResponse delete_collection(ApiState& state, const ApiRequest& request, const ResourceRef& ref,
                              const ResourceType& type);

// An object as the response body, or as a one-row Table if asked for.
ApiResponse object_response(int status, const ApiRequest& request, const ResourceType& type,
                            const StoredObject& object);

}  // namespace trove::fakeapi
