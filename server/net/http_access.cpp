#include "net/http_access.hpp"

#include "net/client_access.hpp"
#include "net/http_poll.hpp"

namespace trove::net {
namespace {

namespace http = boost::beast::http;

// How long a browser may reuse a preflight's answer.
constexpr std::string_view kPreflightMaxAgeSeconds = "600";

std::string_view header(const HttpRequest& req, http::field field) {
  const auto it = req.find(field);
  return it == req.end() ? std::string_view{} : std::string_view(it->value());
}

// Access-Control-Allow-Origin for an allowed Origin; nothing otherwise (the
// browser then keeps the answer from the page).
void add_cors_headers(std::string_view origin, const AllowedOrigins& origins,
                      HttpResponse& response) {
  if (origin.empty() || !origins.allows(origin)) return;
  auto& out = response.extra_headers();
  out += "Access-Control-Allow-Origin: ";
  out += origins.any() ? std::string_view("*") : origin;
  out += "\r\nAccess-Control-Expose-Headers: ETag\r\nVary: Origin\r\n";
}

void answer_preflight(std::string_view origin, ClientAccess& access, HttpResponse& response) {
  if (!access.origins.allows(origin)) {
    access.origin_refused.fetch_add(1, std::memory_order_relaxed);
    return response.respond(403, kJson, {},
                            R"({"error":"origin not allowed","code":"origin_not_allowed"})");
  }
  add_cors_headers(origin, access.origins, response);
  auto& out = response.extra_headers();
  out +=
      "Access-Control-Allow-Methods: GET, HEAD, OPTIONS\r\n"
      "Access-Control-Allow-Headers: Authorization, If-None-Match\r\n"
      "Access-Control-Max-Age: ";
  out += kPreflightMaxAgeSeconds;
  out += "\r\n";
  response.respond(204, {}, {}, {});
}

void answer_unauthorized(auth::AuthError error, HttpResponse& response) {
  append_www_authenticate(response.extra_headers(), error);
  std::string body;
  append_auth_error(body, error);
  response.respond(401, kJson, {}, body);
}

}  // namespace

void answer_guarded_poll(const HttpRequest& req, std::string_view id_text, ServerContext& context,
                         auth::VerifiedTokenCache& cache, HttpResponse& response) {
  ClientAccess& access = context.access;
  if (access.origins.configured()) {
    const std::string_view origin = header(req, http::field::origin);
    if (req.method() == http::verb::options) return answer_preflight(origin, access, response);
    add_cors_headers(origin, access.origins, response);
  }
  if (!access.auth) return answer_poll(req, id_text, context.store, response, nullptr);
  const auto outcome = access.auth->authenticate(
      auth::bearer_token(header(req, http::field::authorization)), cache, auth::unix_now());
  if (outcome.error != auth::AuthError::kNone) return answer_unauthorized(outcome.error, response);
  answer_poll(req, id_text, context.store, response, &outcome.claims->scope);
  if (response.status() == 403) access.auth->count(auth::AuthError::kHuntNotInScope);
}

bool admit_ws_upgrade(const HttpRequest& req, WsMode mode, ServerContext& context,
                      std::optional<auth::TokenClaims>& claims, HttpResponse& response) {
  ClientAccess& access = context.access;
  const std::string_view origin = header(req, http::field::origin);
  // A request without Origin comes from no browser: the check protects
  // browsers' users from other sites' pages, not the server from clients.
  if (access.origins.configured() && !origin.empty() && !access.origins.allows(origin)) {
    access.origin_refused.fetch_add(1, std::memory_order_relaxed);
    response.clear(/*keep_alive=*/false);
    response.respond(403, kJson, {},
                     R"({"error":"origin not allowed","code":"origin_not_allowed"})");
    return false;
  }
  const std::string_view authorization = header(req, http::field::authorization);
  if (mode != WsMode::kClient || !access.auth || authorization.empty()) return true;
  auth::VerifiedTokenCache cache;
  const auto outcome =
      access.auth->authenticate(auth::bearer_token(authorization), cache, auth::unix_now());
  if (outcome.error == auth::AuthError::kNone) {
    claims = *outcome.claims;
    return true;
  }
  response.clear(/*keep_alive=*/false);
  answer_unauthorized(outcome.error, response);
  return false;
}

}  // namespace trove::net
