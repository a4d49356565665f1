#include "kube/errors.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <charconv>

#include "kube/json_depth.hpp"
#include "trove/common/json.hpp"

namespace trove::kube {
namespace {

// A hostile server may send a huge or binary body; messages stay readable.
constexpr std::size_t kMaxMessageBytes = 1024;
// Retry-After beyond this is treated as this: a server cannot park us for hours.
constexpr std::chrono::seconds kMaxRetryAfter{600};

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(std::min(text.size(), kMaxMessageBytes));
  for (char c : text.substr(0, kMaxMessageBytes)) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u >= 0x20 && u < 0x7f ? c : '?');
  }
  if (text.size() > kMaxMessageBytes) out += "...";
  return out;
}

ErrorKind kind_from_code(int code) {
  switch (code) {
    case 400:
    case 422:
      return ErrorKind::kInvalid;
    case 401:
      return ErrorKind::kUnauthorized;
    case 403:
      return ErrorKind::kForbidden;
    case 404:
      return ErrorKind::kNotFound;
    case 409:
      return ErrorKind::kConflict;
    case 410:
      return ErrorKind::kExpired;
    case 429:
      return ErrorKind::kTooManyRequests;
    default:
      return ErrorKind::kServerError;
  }
}

// Status.reason values from k8s.io/apimachinery metav1.StatusReason.
bool kind_from_reason(std::string_view reason, ErrorKind& kind) {
  struct Entry {
    std::string_view reason;
    ErrorKind kind;
  };
  static constexpr Entry kTable[] = {
      {"NotFound", ErrorKind::kNotFound},
      {"AlreadyExists", ErrorKind::kAlreadyExists},
      {"Conflict", ErrorKind::kConflict},
      {"Invalid", ErrorKind::kInvalid},
      {"BadRequest", ErrorKind::kInvalid},
      {"Expired", ErrorKind::kExpired},
      {"Gone", ErrorKind::kExpired},
      {"TooManyRequests", ErrorKind::kTooManyRequests},
      {"Unauthorized", ErrorKind::kUnauthorized},
      {"Forbidden", ErrorKind::kForbidden},
      {"InternalError", ErrorKind::kServerError},
      {"ServiceUnavailable", ErrorKind::kServerError},
      {"Timeout", ErrorKind::kServerError},
  };
  for (const auto& e : kTable) {
    if (e.reason == reason) {
      kind = e.kind;
      return true;
    }
  }
  return false;
}

std::chrono::seconds parse_retry_after(std::string_view header) {
  if (header.empty()) return std::chrono::seconds{0};
  long long seconds = 0;
  const auto* end = header.data() + header.size();
  auto [ptr, ec] = std::from_chars(header.data(), end, seconds);
  // client-go treats an unparsable Retry-After as 1 second.
  if (ec != std::errc{} || ptr != end || seconds < 0) return std::chrono::seconds{1};
  return std::min(std::chrono::seconds{seconds}, kMaxRetryAfter);
}

ApiError from_status(int code, std::string_view body, std::chrono::seconds retry_after) {
  rapidjson::Document doc;
  const bool parsed = parse_json(doc, body);
  std::string reason;
  std::string message;
  if (parsed && doc.IsObject()) {
    reason = common::string_member(doc, "reason").value_or("");
    message = common::string_member(doc, "message").value_or("");
    if (auto c = common::int_member(&doc, "code"); code == 0 && c) code = *c;
    // Status.details.retryAfterSeconds is the in-body twin of Retry-After.
    const rapidjson::Value* details = common::find_member(doc, "details");
    auto ra = common::int_member(details, "retryAfterSeconds");
    if (retry_after.count() == 0 && ra && *ra > 0) {
      retry_after = std::min(std::chrono::seconds{*ra}, kMaxRetryAfter);
    }
  } else {
    message = std::string(body);
  }
  ErrorKind kind = kind_from_code(code);
  if (!reason.empty()) kind_from_reason(reason, kind);
  if (kind == ErrorKind::kConflict && reason == "AlreadyExists") kind = ErrorKind::kAlreadyExists;
  if (message.empty()) message = "HTTP " + std::to_string(code);
  return ApiError(kind, code, printable(reason), printable(message), retry_after);
}

}  // namespace

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kNotFound:
      return "NotFound";
    case ErrorKind::kConflict:
      return "Conflict";
    case ErrorKind::kAlreadyExists:
      return "AlreadyExists";
    case ErrorKind::kInvalid:
      return "Invalid";
    case ErrorKind::kExpired:
      return "Expired";
    case ErrorKind::kTooManyRequests:
      return "TooManyRequests";
    case ErrorKind::kUnauthorized:
      return "Unauthorized";
    case ErrorKind::kForbidden:
      return "Forbidden";
    case ErrorKind::kServerError:
      return "ServerError";
    case ErrorKind::kTransport:
      return "Transport";
  }
  return "Unknown";
}

ApiError::ApiError(ErrorKind kind, int code, std::string reason, const std::string& message,
                   std::chrono::seconds retry_after)
    : std::runtime_error(std::string(to_string(kind)) +
                         (code ? " (" + std::to_string(code) + ")" : std::string()) + ": " +
                         message),
      kind_(kind),
      code_(code),
      reason_(std::move(reason)),
      retry_after_(retry_after) {}

ApiError parse_api_error(int code, std::string_view body, std::string_view retry_after_header) {
  return from_status(code, body, parse_retry_after(retry_after_header));
}

ApiError parse_status_json(std::string_view status_json) {
  return from_status(0, status_json, std::chrono::seconds{0});
}

ApiError transport_error(const std::string& message) {
  return ApiError(ErrorKind::kTransport, 0, {}, printable(message));
}

}  // namespace trove::kube
