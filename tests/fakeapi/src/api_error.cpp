#include "api_error.hpp"

#include "json_util.hpp"

namespace trove::fakeapi {

namespace {

std::string qualified(const std::string& group, const std::string& resource) {
  return group.empty() ? resource : resource + "." + group;
}

}  // namespace

std::string ApiError::to_json() const {
  std::string out = R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)";
  out += "\"message\":" + json::quote(message) + ",\"reason\":" + json::quote(reason);
  if (!name.empty() || !kind.empty() || retry_after_seconds > 0 || !causes_json.empty()) {
    out += ",\"details\":{";
    bool first = true;
    auto field = [&](const char* key, const std::string& value) {
      if (value.empty()) return;
      out += (first ? "\"" : ",\"") + std::string(key) + "\":" + json::quote(value);
      first = false;
    };
    field("name", name);
    field("group", group);
    field("kind", kind);
    if (retry_after_seconds > 0) {
      out += (first ? "" : ",") + std::string("\"retryAfterSeconds\":") +
             std::to_string(retry_after_seconds);
      first = false;
    }
    if (!causes_json.empty()) out += (first ? "" : ",") + std::string("\"causes\":") + causes_json;
    out += "}";
  }
  out += ",\"code\":" + std::to_string(code) + "}";
  return out;
}

ApiError ApiError::not_found(const std::string& group, const std::string& resource,
                             const std::string& name) {
  return {404,  "NotFound", qualified(group, resource) + " \"" + name + "\" not found",
          name, group,      resource};
}

ApiError ApiError::already_exists(const std::string& group, const std::string& resource,
                                  const std::string& name) {
  return {409,  "AlreadyExists", qualified(group, resource) + " \"" + name + "\" already exists",
          name, group,           resource};
}

ApiError ApiError::conflict(const std::string& group, const std::string& resource,
                            const std::string& name, const std::string& why) {
  return {409,
          "Conflict",
          "Operation cannot be fulfilled on " + qualified(group, resource) + " \"" + name +
              "\": " + why,
          name,
          group,
          resource};
}

ApiError ApiError::invalid(const std::string& group, const std::string& kind,
                           const std::string& name, const std::string& field,
                           const std::string& why) {
  ApiError e{422,  "Invalid", kind + " \"" + name + "\" is invalid: " + field + ": " + why,
             name, group,     kind};
  e.causes_json = R"([{"reason":"FieldValueInvalid","message":)" + json::quote(why) +
                  ",\"field\":" + json::quote(field) + "}]";
  return e;
}

ApiError ApiError::bad_request(const std::string& message) {
  return {400, "BadRequest", message};
}

ApiError ApiError::expired(const std::string& message) {
  return {410, "Expired", message};
}

ApiError ApiError::too_many_requests(int retry_after_seconds) {
  ApiError e{429, "TooManyRequests", "Too many requests, please try again later."};
  e.retry_after_seconds = retry_after_seconds;
  return e;
}

ApiError ApiError::unauthorized() {
  return {401, "Unauthorized", "Unauthorized"};
}

ApiError ApiError::method_not_allowed(const std::string& message) {
  return {405, "MethodNotAllowed", message};
}

ApiError ApiError::unsupported_media_type(const std::string& content_type) {
  return {415, "UnsupportedMediaType",
          "the body of the request was in an unknown format - "
          "accepted media types include: application/json-patch+json, "
          "application/merge-patch+json, application/apply-patch+yaml "
          "(got " +
              content_type + ")"};
}

ApiError ApiError::not_acceptable(const std::string& message) {
  return {406, "NotAcceptable", message};
}

ApiError ApiError::too_large() {
  return {413, "RequestEntityTooLarge", "the request body is too large"};
}

ApiError ApiError::internal(const std::string& message) {
  return {500, "InternalError", "Internal error occurred: " + message};
}

ApiError ApiError::from_status(int code) {
  switch (code) {
    case 401:
      return unauthorized();
    case 403:
      return {403, "Forbidden", "forbidden (injected fault)"};
    case 404:
      return {404, "NotFound", "the server could not find the requested resource"};
    case 409:
      return {409, "Conflict", "Operation cannot be fulfilled: injected conflict"};
    case 410:
      return expired("too old resource version (injected fault)");
    case 429:
      return too_many_requests(1);
    case 500:
      return internal("injected fault");
    case 503:
      return {503, "ServiceUnavailable", "the server is currently unable to handle the request"};
    case 504:
      return {504, "Timeout", "the server was unable to return a response in the time allotted"};
    default:
      return {code, code >= 500 ? "InternalError" : "BadRequest", "injected fault"};
  }
}

}  // namespace trove::fakeapi
