// One table of admin routes (Envoy's admin style): method, path, whether the
// route mutates, whether it needs the bearer token, help text and handler.
// Dispatch, 404/405, the token check and GET /help all come from this table,
// so the documentation and the behaviour cannot drift apart.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "trove/common/http_types.hpp"

namespace trove::common {

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct Route {
  std::string method;  // exact, e.g. "GET"
  std::string path;    // exact path, no query
  bool mutates = false;
  // Token rule: with a configured token, a route that needs it answers 401 to
  // a request without `Authorization: Bearer <token>` or with a wrong one.
  // Without a configured token, a mutating route answers 403 (writes are
  // off) and a read-only one is open. Every mutating route needs the token
  // (add() sets this), so no later mutation can be added without it.
  bool needs_token = false;
  std::string help;
  HttpHandler handler;
};

class RouteTable {
 public:
  // `token` empty = no token configured.
  explicit RouteTable(std::string token = {});
  // The token as `token_source` returns it at each request (a rotating token
  // file: TokenFile::current); it returns "" while no token is configured.
  explicit RouteTable(std::function<std::string()> token_source);

  // Adds a route. GET /help is built in and lists every route.
  RouteTable& add(Route route);

  // Routes the request: 404 for an unknown path, 405 (with Allow) for a known
  // path with another method, 401/403 per the token rule, else the handler.
  // HEAD is answered like GET (the server drops the body).
  [[nodiscard]] HttpResponse dispatch(const HttpRequest& request) const;

  // The /help text: one line per route, "METHOD path [mutates] [token]: help".
  [[nodiscard]] std::string help_text() const;

  [[nodiscard]] const std::vector<Route>& routes() const { return routes_; }
  [[nodiscard]] bool has_token() const { return !token_source_().empty(); }

  // True when the request carries `Authorization: Bearer <token>` matching
  // the configured token (constant-time compare). False without a token.
  [[nodiscard]] bool authorized(const HttpRequest& request) const;

 private:
  [[nodiscard]] bool authorized(const HttpRequest& request, const std::string& token) const;

  std::function<std::string()> token_source_;
  std::vector<Route> routes_;
};

}  // namespace trove::common
