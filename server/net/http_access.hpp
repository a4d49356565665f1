// The public listener's access checks for HTTP (docs/client-auth.md): CORS
// for allowed origins (preflight and Access-Control-Allow-Origin), the bearer
// token of a poll and its hunt scope, and the Origin and token of a
// WebSocket upgrade. With neither --client-auth-keys nor --allowed-origins
// set, each is one branch.
#pragma once

#include <optional>
#include <string_view>

#include "auth/token_claims.hpp"
#include "auth/verified_token_cache.hpp"
#include "net/http_request.hpp"
#include "net/http_response.hpp"
#include "net/server_context.hpp"
#include "net/ws_upgrade.hpp"

namespace trove::net {

// GET/HEAD/OPTIONS /v1/boxes/{id} under the access checks: a preflight is
// answered, a missing or invalid token gets 401, a box of a hunt outside the
// token's scope 403, anything else the poll's answer (http_poll.hpp).
// `cache`: the connection's last verified token.
void answer_guarded_poll(const HttpRequest& req, std::string_view id_text, ServerContext& context,
                         auth::VerifiedTokenCache& cache, HttpResponse& response);

// Whether a WebSocket upgrade may proceed: its Origin is allowed (else 403)
// and, on /v1/ws with an Authorization header, the token verifies (else 401;
// `claims` receives the token's claims). Without the header the connection
// authenticates with its first message. When refused, `response` holds the
// answer.
bool admit_ws_upgrade(const HttpRequest& req, WsMode mode, ServerContext& context,
                      std::optional<auth::TokenClaims>& claims, HttpResponse& response);

}  // namespace trove::net
