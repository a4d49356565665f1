// Plain request/response values for admin-style HTTP endpoints. Handlers are
// functions from HttpRequest to HttpResponse, so they are tested without
// sockets; only admin_http_server.cpp knows about Beast.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace trove::common {

struct HttpRequest {
  std::string method;  // "GET", "PUT", ... as sent
  std::string target;  // path plus query, as sent
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The target without its query string.
  [[nodiscard]] std::string_view path() const;
  // The query string after '?', empty when there is none.
  [[nodiscard]] std::string_view query() const;
  // First header with this name (case-insensitive), empty when absent.
  [[nodiscard]] std::string_view header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers

  static HttpResponse text(int status, std::string body);
  static HttpResponse json(int status, std::string body);
  // {"error":message} and, when field is not empty, "field":field.
  static HttpResponse json_error(int status, std::string_view message, std::string_view field = {});
};

// Case-insensitive ASCII comparison (HTTP header names).
bool equals_ignore_case(std::string_view a, std::string_view b);

}  // namespace trove::common
