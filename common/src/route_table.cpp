#include "trove/common/route_table.hpp"

#include "trove/common/token.hpp"

namespace trove::common {

RouteTable::RouteTable(std::string token)
    : token_source_([token = std::move(token)] { return token; }) {}

RouteTable::RouteTable(std::function<std::string()> token_source)
    : token_source_(std::move(token_source)) {}

RouteTable& RouteTable::add(Route route) {
  if (route.mutates) route.needs_token = true;
  routes_.push_back(std::move(route));
  return *this;
}

bool RouteTable::authorized(const HttpRequest& request) const {
  return authorized(request, token_source_());
}

bool RouteTable::authorized(const HttpRequest& request, const std::string& token) const {
  if (token.empty()) return false;
  std::string_view presented = bearer_token(request.header("Authorization"));
  return !presented.empty() && constant_time_equals(presented, token);
}

std::string RouteTable::help_text() const {
  std::string text = "trove admin endpoints:\n";
  auto line = [&text](std::string_view method, std::string_view path, bool mutates,
                      bool needs_token, std::string_view help) {
    text += "  ";
    text += method;
    text += ' ';
    text += path;
    if (mutates) text += " [mutates]";
    if (needs_token) text += " [token]";
    text += ": ";
    text += help;
    text += '\n';
  };
  line("GET", "/help", false, false, "this list");
  for (const Route& r : routes_)
    line(r.method, r.path, r.mutates, r.needs_token, r.help);
  return text;
}

HttpResponse RouteTable::dispatch(const HttpRequest& request) const {
  const std::string_view path = request.path();
  const std::string_view method =
      request.method == "HEAD" ? std::string_view("GET") : std::string_view(request.method);
  if (path == "/help") {
    if (method != "GET") {
      HttpResponse r = HttpResponse::text(405, "method not allowed\n");
      r.headers.emplace_back("Allow", "GET");
      return r;
    }
    return HttpResponse::text(200, help_text());
  }
  std::string allow;
  for (const Route& route : routes_) {
    if (route.path != path) continue;
    if (route.method != method) {
      if (!allow.empty()) allow += ", ";
      allow += route.method;
      continue;
    }
    if (route.needs_token) {
      const std::string token = token_source_();
      if (token.empty()) {
        if (route.mutates) {
          return HttpResponse::json_error(403, "writes disabled: no admin token configured");
        }
      } else if (!authorized(request, token)) {
        HttpResponse r = HttpResponse::json_error(401, "missing or wrong bearer token");
        r.headers.emplace_back("WWW-Authenticate", "Bearer");
        return r;
      }
    }
    return route.handler(request);
  }
  if (!allow.empty()) {
    HttpResponse r = HttpResponse::text(405, "method not allowed\n");
    r.headers.emplace_back("Allow", allow);
    return r;
  }
  return HttpResponse::text(404, "not found; see /help\n");
}

}  // namespace trove::common
