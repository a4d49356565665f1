// Kubernetes `Status` failures (metav1.Status) as a value type, so handlers
// can return or throw them and the HTTP layer renders them identically.
#pragma once

#include <string>

namespace trove::fakeapi {

struct ApiError {
  ApiError() = default;
  ApiError(int c, std::string r, std::string m, std::string n = {}, std::string g = {},
           std::string k = {})
      : code(c),
        reason(std::move(r)),
        message(std::move(m)),
        name(std::move(n)),
        group(std::move(g)),
        kind(std::move(k)) {}

  int code = 500;
  std::string reason;   // NotFound, Conflict, AlreadyExists, Invalid, Expired, ...
  std::string message;  // human readable, as kube-apiserver words it
  // details (omitted when name and kind are empty)
  std::string name;
  std::string group;
  std::string kind;  // the plural resource, as kube-apiserver puts it
  int retry_after_seconds = 0;
  std::string causes_json;  // a JSON array, or empty

  std::string to_json() const;

  static ApiError not_found(const std::string& group, const std::string& resource,
                            const std::string& name);
  static ApiError already_exists(const std::string& group, const std::string& resource,
                                 const std::string& name);
  static ApiError conflict(const std::string& group, const std::string& resource,
                           const std::string& name, const std::string& why);
  static ApiError invalid(const std::string& group, const std::string& kind,
                          const std::string& name, const std::string& field,
                          const std::string& why);
  static ApiError bad_request(const std::string& message);
  static ApiError expired(const std::string& message);
  static ApiError too_many_requests(int retry_after_seconds);
  static ApiError unauthorized();
  static ApiError method_not_allowed(const std::string& message);
  static ApiError unsupported_media_type(const std::string& content_type);
  static ApiError not_acceptable(const std::string& message);
  static ApiError too_large();
  static ApiError internal(const std::string& message);
  // Any status code, with the reason kube-apiserver uses for it.
  static ApiError from_status(int code);
};

}  // namespace trove::fakeapi
