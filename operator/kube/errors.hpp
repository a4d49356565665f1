// Typed Kubernetes API errors: every non-2xx answer and every transport
// failure becomes one ApiError whose kind is a closed set (kube-rs style), so
// callers switch on a kind instead of matching HTTP codes or messages.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>

namespace trove::kube {

enum class ErrorKind {
  kNotFound,         // 404: the object (or its namespace) does not exist
  kConflict,         // 409 reason Conflict: stale resourceVersion on update
  kAlreadyExists,    // 409 reason AlreadyExists: create of an existing name
  kInvalid,          // 422 or 400: the server refused the body
  kExpired,          // 410 Expired/Gone: the resourceVersion is too old
  kTooManyRequests,  // 429: retry after retry_after()
  kUnauthorized,     // 401: the bearer token was refused
  kForbidden,        // 403: RBAC denied the request
  kServerError,      // 5xx, and any other status we have no better name for
  kTransport,        // no HTTP answer: connect, TLS, timeout, closed stream
};

std::string_view to_string(ErrorKind kind);

class ApiError : public std::runtime_error {
 public:
  ApiError(ErrorKind kind, int code, std::string reason, const std::string& message,
           std::chrono::seconds retry_after = std::chrono::seconds{0});

  ErrorKind kind() const { return kind_; }
  int code() const { return code_; }                     // HTTP status, 0 for kTransport
  const std::string& reason() const { return reason_; }  // Status.reason as sent
  std::chrono::seconds retry_after() const { return retry_after_; }

 private:
  ErrorKind kind_;
  int code_;
  std::string reason_;
  std::chrono::seconds retry_after_;
};

// Builds the error for an HTTP answer `code` with body `body` (ideally a
// meta/v1 Status; any other body, even binary, is kept as a truncated message)
// and the raw Retry-After header (seconds; an HTTP date or junk counts as 1 s,
// like client-go). Kind comes from Status.reason when it names one we know,
// else from the code.
ApiError parse_api_error(int code, std::string_view body, std::string_view retry_after_header = {});

// Same for a Status object received inside a watch ERROR event.
ApiError parse_status_json(std::string_view status_json);

ApiError transport_error(const std::string& message);

}  // namespace trove::kube
