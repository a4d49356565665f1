// Fuzzes HTTP request handling after Beast's parser, as the data plane and
// the admin listener do it (docs/api.md, docs/contracts.md): the bytes are
// parsed with the session's limits, then routed: GET/HEAD /v1/boxes/{id}
// with If-None-Match (answer_poll), and the admin route table (path, query,
// headers, bearer token). Every answer is a well-formed response head.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "config/server_config.hpp"
#include "fuzz_check.hpp"
#include "net/http_poll.hpp"
#include "net/http_request.hpp"
#include "net/http_response.hpp"
#include "store/box_store.hpp"
#include "trove/common/route_table.hpp"

namespace {

namespace http = boost::beast::http;
using namespace trove;

constexpr std::string_view kBoxesPrefix = "/v1/boxes/";

// Boxes 1 and 42 exist, so a poll can hit (200), match its ETag (304) or miss.
const store::BoxStore& polled_store() {
  static store::BoxStore* const store = [] {
    auto* s = new store::BoxStore(store::BoxStoreConfig{.max_boxes = 8, .huge_pages = false});
    const auto put = [s](std::uint64_t box, std::string_view payload) {
      s->write(box, std::span<const char>(payload.data(), payload.size()), "spring");
    };
    put(1, R"({"box":1})");
    put(42, R"({"box":42,"state":"open"})");
    put(42, R"({"box":42,"state":"claimed"})");
    return s;
  }();
  return *store;
}

const common::RouteTable& admin_routes() {
  static const common::RouteTable table = [] {
    common::RouteTable t("secret-token");
    const auto echo = [](const common::HttpRequest& r) {
      return common::HttpResponse::text(200, std::string(r.query()));
    };
    t.add({"GET", "/healthz", false, false, "liveness", echo});
    t.add({"GET", "/admin/v1/tuning", false, true, "read tuning", echo});
    t.add({"PUT", "/admin/v1/tuning", true, true, "write tuning", echo});
    return t;
  }();
  return table;
}

void route_poll(const net::HttpRequest& req) {
  net::HttpResponse response;
  response.clear(req.keep_alive());
  const std::string_view target = req.target();
  if (target.substr(0, kBoxesPrefix.size()) != kBoxesPrefix) return;
  net::answer_poll(req, target.substr(kBoxesPrefix.size()), polled_store(), response);
  const std::string& bytes = response.bytes();
  FUZZ_CHECK(bytes.rfind("HTTP/1.1 ", 0) == 0 && bytes.find("\r\n\r\n") != std::string::npos);
  const int s = response.status();
  FUZZ_CHECK(s == 200 || s == 304 || s == 400 || s == 404 || s == 405);
}

void route_admin(const net::HttpRequest& req) {
  common::HttpRequest plain;
  plain.method = std::string(req.method_string());
  plain.target = std::string(req.target());
  for (const auto& field : req) {
    plain.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  plain.body = req.body();
  const std::string_view path = plain.path();
  const std::string_view query = plain.query();
  FUZZ_CHECK(path.size() + query.size() <= plain.target.size());
  const common::HttpResponse response = admin_routes().dispatch(plain);
  FUZZ_CHECK(response.status >= 200 && response.status < 600);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const config::ServerConfig limits;
  net::RequestArena arena;
  net::HttpRequestParser parser(std::piecewise_construct, std::make_tuple(),
                                std::make_tuple(net::HttpFieldsAllocator(arena)));
  parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  parser.body_limit(limits.max_body_bytes);
  parser.eager(true);
  boost::beast::error_code ec;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  while (!parser.is_done() && !rest.empty()) {
    const std::size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
    if (ec) break;
    rest.remove_prefix(used);
  }
  // The connection closing: what the session does with a request cut short
  // (Beast's put_eof requires some bytes; with none the session just closes).
  if (!parser.is_done() && parser.got_some() && (!ec || ec == http::error::need_more)) {
    ec = {};
    parser.put_eof(ec);
  }
  if (ec || !parser.is_done()) return 0;  // the session answers 400/413/431 and closes
  const net::HttpRequest& req = parser.get();
  (void)boost::beast::websocket::is_upgrade(req);
  route_poll(req);
  route_admin(req);
  return 0;
}
