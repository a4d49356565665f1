// GET (or HEAD) /v1/boxes/{id}: a box's latest payload, its version as the
// ETag, 304 when If-None-Match names that version. The payload is copied from
// the store straight into the response buffer.
#pragma once

#include <string_view>

#include "auth/token_claims.hpp"
#include "net/http_request.hpp"
#include "net/http_response.hpp"
#include "store/box_store.hpp"

namespace trove::net {

// `id_text`: the target after "/v1/boxes/". `scope`: when not null, a box
// of a hunt outside it gets 403 (a box with no hunt too, unless the scope is
// every hunt).
void answer_poll(const HttpRequest& req, std::string_view id_text, const store::BoxStore& store,
                 HttpResponse& response, const auth::TokenScope* scope = nullptr);

}  // namespace trove::net
