#include "net/http_poll.hpp"

#include <algorithm>
#include <span>

namespace trove::net {

namespace http = boost::beast::http;

namespace {
// The box's hunt is readable without its payload; a box that does not
// exist is left to the 404 below.
bool hunt_outside(const store::BoxStore& store, std::uint64_t id, const auth::TokenScope& scope) {
  if (scope.all_hunts) return false;
  char hunt[store::kMaxHuntBytes];
  const store::ReadResult r = store.read(id, {}, hunt);
  return r.found && !scope.allows({hunt, r.hunt_size});
}
}  // namespace

void answer_poll(const HttpRequest& req, std::string_view id_text, const store::BoxStore& store,
                 HttpResponse& response, const auth::TokenScope* scope) {
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    return response.respond(405, kText, {}, "use GET\n");
  }
  const auto id = parse_box_id(id_text);
  if (!id) return response.respond(400, kText, {}, "box id must be an integer 1 .. 2^64-1\n");
  if (scope != nullptr && hunt_outside(store, *id, *scope)) {
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
