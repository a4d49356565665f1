#include "net/http_poll.hpp"

#include <algorithm>
#include <span>

#include "net/client_access.hpp"

namespace trove::net {

namespace http = boost::beast::http;

void answer_poll(const HttpRequest& req, std::string_view id_text, const store::BoxStore& store,
                 HttpResponse& response, const auth::TokenScope* scope) {
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    return response.respond(405, kText, {}, "use GET\n");
  }
  const auto id = parse_box_id(id_text);
  if (!id) return response.respond(400, kText, {}, "box id must be an integer 1 .. 2^64-1\n");
  if (scope != nullptr && !box_in_scope(store, *id, *scope)) {
    return response.respond(
        403, kJson, {},
        R"({"error":"the token does not grant this box's hunt","code":"hunt_not_in_scope"})");
  }
  const auto inm = req.find(http::field::if_none_match);
  if (inm != req.end()) {
    const auto version = store.version(*id);
    if (version && if_none_match_hits(inm->value(), {store.incarnation(), *version})) {
      return response.respond(304, {}, {store.incarnation(), *version}, {});
    }
  }
  const std::size_t max = store.payload_max();
  char payload[store::kPayloadMaxLimit];
  const store::ReadResult r = store.read(*id, std::span<char>(payload, max));
  if (!r.found) return response.respond(404, kText, {}, "no such box\n");
  const std::string_view body(payload, std::min(r.payload_size, max));
  response.respond(200, kJson, {store.incarnation(), r.version},
                   req.method() == http::verb::head ? std::string_view{} : body, body.size());
}

}  // namespace trove::net
