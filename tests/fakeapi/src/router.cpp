#include "router.hpp"

#include <algorithm>

#include "discovery.hpp"
#include "resources.hpp"

namespace trove::fakeapi {

std::string verb_of(const ApiRequest& request, const ResourceRef& ref) {
  const std::string& m = request.method;
  if (m == "GET") {
    if (request.flag("watch")) return "watch";
    return ref.name.empty() ? "list" : "get";
  }
  if (m == "POST") return "create";
  if (m == "PUT") return "update";
  if (m == "PATCH") return "patch";
  if (m == "DELETE") return ref.name.empty() ? "deletecollection" : "delete";
  return "unknown";
}

RequestClass classify(const ApiRequest& request) {
  auto ref = parse_resource_path(request.path);
  if (!ref) return {};
  return {verb_of(request, *ref), ref->plural};
}

bool is_control_path(const std::string& path) {
  return path.starts_with("/_fake/") || path == "/_fake";
}

ApiResponse serve_resource(ApiState& state, const ApiRequest& request, const ResourceRef& ref,
                           const ResourceType& type, const std::string& verb) {
  if (verb == "get") return get_object(state, request, ref, type);
  if (verb == "list") return list_objects(state, request, ref, type);
  if (verb == "create") return create_object(state, request, ref, type);
  if (verb == "update") return update_object(state, request, ref, type);
  if (verb == "patch") return patch_object(state, request, ref, type);
  if (verb == "delete") return delete_object(state, request, ref, type);
  if (verb == "deletecollection") return delete_collection(state, request, ref, type);
  return ApiResponse::error(
      ApiError::method_not_allowed("the server does not allow this method on "
                                   "the requested resource"));
}

namespace {

ApiResponse not_found_path() {
  return ApiResponse::error({404, "NotFound", "the server could not find the requested resource"});
}

ApiResponse serve_resource_request(ApiState& state, const ApiRequest& request,
                                   const ResourceRef& ref) {
  auto type = state.registry.find(ref.group, ref.version, ref.plural);
  if (!type) return not_found_path();
  if (!ref.subresource.empty() && (ref.subresource != "status" || !type->has_status)) {
    return not_found_path();
  }
  if (!type->namespaced && !ref.ns.empty()) return not_found_path();
  std::string verb = verb_of(request, ref);
  if (!ref.subresource.empty() && verb != "get" && verb != "update" && verb != "patch") {
    return ApiResponse::error(
        ApiError::method_not_allowed("the server does not allow this method "
                                     "on the requested resource"));
  }
  if (type->namespaced && ref.ns.empty() && !ref.name.empty()) return not_found_path();
  if (verb == "watch") return start_watch(state, request, ref, type);
  if (verb == "create" && !ref.name.empty()) {
    return ApiResponse::error(ApiError::method_not_allowed("POST on a named resource"));
  }
  return serve_resource(state, request, ref, *type, verb);
}

}  // namespace

ApiResponse route(ApiState& state, const ApiRequest& request) {
  std::lock_guard lock(state.mutex);
  const std::string& path = request.path;
  if (request.method != "GET" && !path.starts_with("/api/") && !path.starts_with("/apis/")) {
    return ApiResponse::error(ApiError::method_not_allowed("method not allowed"));
  }
  if (path == "/version" || path == "/version/")
    return ApiResponse::json(200, discovery::version(state.options.kube_minor_version));
  if (path == "/api" || path == "/api/")
    return ApiResponse::json(200, discovery::core_versions(state));
  if (path == "/apis" || path == "/apis/")
    return ApiResponse::json(200, discovery::group_list(state));
  if (path == "/healthz" || path == "/livez" || path == "/readyz") {
    ApiResponse r = ApiResponse::json(200, "ok");
    r.content_type = "text/plain; charset=utf-8";
    return r;
  }
  if (path == "/openapi/v3" || path == "/openapi/v3/") {
    return ApiResponse::json(200, discovery::openapi_index(state));
  }
  if (path.starts_with("/openapi/v3/")) {
    auto doc = discovery::openapi_document(state, path.substr(12));
    return doc ? ApiResponse::json(200, *doc) : not_found_path();
  }
  if (path.starts_with("/api/") || path.starts_with("/apis/")) {
    // /api/v1 and /apis/<g>/<v>: resource lists.
    std::string rest = path.substr(path.starts_with("/api/") ? 5 : 6);
    while (!rest.empty() && rest.back() == '/')
      rest.pop_back();
    std::size_t slashes = static_cast<std::size_t>(std::count(rest.begin(), rest.end(), '/'));
    if (path.starts_with("/api/") && slashes == 0) {
      auto list = discovery::resource_list(state, "", rest);
      return list ? ApiResponse::json(200, *list) : not_found_path();
    }
    if (path.starts_with("/apis/") && slashes <= 1) {
      if (slashes == 0) return not_found_path();  // /apis/<g> (APIGroup) is not needed
      std::size_t slash = rest.find('/');
      auto list = discovery::resource_list(state, rest.substr(0, slash), rest.substr(slash + 1));
      return list ? ApiResponse::json(200, *list) : not_found_path();
    }
    auto ref = parse_resource_path(path);
    if (!ref) return not_found_path();
    return serve_resource_request(state, request, *ref);
  }
  return not_found_path();
}

}  // namespace trove::fakeapi
