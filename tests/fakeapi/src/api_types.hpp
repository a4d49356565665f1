// The request and response values the API handlers work on: plain data, no
// sockets, so every handler is testable in-process (FakeApiServer::request).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api_error.hpp"

namespace trove::fakeapi {

struct ApiRequest {
  std::string method;                             // GET, POST, PUT, PATCH, DELETE
  std::string path;                               // decoded path, without the query
  std::multimap<std::string, std::string> query;  // decoded
  std::string content_type;
  std::string accept;
  std::string body;

  // Splits target into path and query; false if it is malformed.
  bool set_target(std::string_view target);
  std::optional<std::string> param(const std::string& name) const;
  bool flag(const std::string& name) const;  // "true" or "1"
};

struct WatchSpec;

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // Set for a watch: the HTTP layer streams events instead of body.
  std::shared_ptr<WatchSpec> watch;

  static ApiResponse json(int status, std::string body) {
    ApiResponse r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
  static ApiResponse error(const ApiError& e) {
    ApiResponse r = json(e.code, e.to_json());
    if (e.retry_after_seconds > 0 || e.code == 429) {
      r.headers.emplace_back("Retry-After", std::to_string(e.retry_after_seconds));
    }
    return r;
  }
};

// Decodes %XX and (in queries) '+'; nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space);

}  // namespace trove::fakeapi
