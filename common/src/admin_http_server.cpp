// The admin listener: one thread, one io_context, a session per connection in
// the style of Beast's advanced server. Sessions only move bytes; the
// RouteTable decides every answer.
#include "trove/common/admin_http_server.hpp"

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <thread>
#include <unordered_set>

#include "trove/common/http_read_limits.hpp"

namespace trove::common {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

class Session;

struct Shared {
  const RouteTable* routes = nullptr;
  AdminHttpServerOptions options;
  std::unordered_set<Session*> sessions;  // only touched on the server thread
  std::uint64_t accepted = 0;             // orders sessions by age

  void count(HttpLimit limit) const {
    if (options.on_limit_exceeded) options.on_limit_exceeded(limit);
  }
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Shared& shared, asio::ip::address peer)
      : stream_(std::move(socket)),
        shared_(shared),
        peer_(std::move(peer)),
        order_(++shared.accepted),
        buffer_(read_buffer_limit(shared.options.max_header_bytes)),
        chunk_extensions_(shared.options.max_header_bytes) {}

  void start() {
    shared_.sessions.insert(this);
    do_read();
  }
  ~Session() { shared_.sessions.erase(this); }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  [[nodiscard]] const asio::ip::address& peer() const { return peer_; }
  [[nodiscard]] std::uint64_t order() const { return order_; }
  // Only waiting for (the rest of) a request: may be closed to make room.
  [[nodiscard]] bool waiting_for_request() const { return reading_ && !closing_; }
  [[nodiscard]] bool waiting_or_busy() const { return !closing_; }
  void close_to_make_room() {
    closing_ = true;
    close();
  }

 private:
  void do_read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(shared_.options.max_header_bytes));
    parser_->body_limit(shared_.options.max_body_bytes);
    chunk_extensions_.attach(*parser_);
    stream_.expires_after(shared_.options.request_deadline);
    reading_ = true;
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    reading_ = false;
    // Happens when the request did not arrive whole in time.
    if (ec == beast::error::timeout) {
      shared_.count(HttpLimit::kRequestDeadline);
      return close();
    }
    // Happens when the client closes the connection or the session was closed.
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset) {
      return close();
    }
    const HttpLimit limit = classify_read_error(ec, parser_->is_header_done(), chunk_extensions_);
    if (limit != HttpLimit::kNone) {
      if (shared_.options.on_limit_exceeded) shared_.options.on_limit_exceeded(limit);
      return reply(limit_status(limit), "request too large\n", false);
    }
    // Any other parse error: malformed request.
    if (ec) return reply(400, "bad request\n", false);

    http::request<http::string_body> req = parser_->release();
    HttpRequest request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    for (const auto& field : req) {
      request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    request.body = std::move(req.body());
    HttpResponse response = shared_.routes->dispatch(request);
    response_.emplace();
    response_->version(11);
    response_->result(static_cast<unsigned>(response.status));
    response_->set(http::field::content_type, response.content_type);
    for (auto& [name, value] : response.headers)
      response_->set(name, value);
    if (req.method() != http::verb::head) response_->body() = std::move(response.body);
    response_->keep_alive(req.keep_alive());
    response_->prepare_payload();
    do_write();
  }

  void reply(int status, std::string body, bool keep_alive) {
    response_.emplace();
    response_->version(11);
    response_->result(static_cast<unsigned>(status));
    response_->set(http::field::content_type, "text/plain; charset=utf-8");
    response_->body() = std::move(body);
    response_->keep_alive(keep_alive);
    response_->prepare_payload();
    do_write();
  }

  void do_write() {
    stream_.expires_after(shared_.options.idle_timeout);
    http::async_write(stream_, *response_,
                      beast::bind_front_handler(&Session::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    // Happens when the peer went away mid-write or the timer fired.
    if (ec) return close();
    if (!response_->keep_alive()) return close();
    do_read();
  }

  beast::tcp_stream stream_;
  Shared& shared_;
  const asio::ip::address peer_;
  const std::uint64_t order_;
  bool reading_ = false;
  bool closing_ = false;
  beast::flat_buffer buffer_;  // capped: see http_read_limits.hpp
  ChunkExtensionBudget chunk_extensions_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
};

}  // namespace

struct AdminHttpServer::Impl {
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  Shared shared;
  std::thread thread;
  std::uint16_t port = 0;
  bool started = false;

  void do_accept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket s) {
      // Happens when Stop() closes the acceptor.
      if (ec == asio::error::operation_aborted) return;
      if (!ec) admit(std::move(s));
      if (acceptor.is_open()) do_accept();
    });
  }

  // The oldest session only waiting for a request, of `peer` when given.
  Session* oldest_waiting(const asio::ip::address* peer) const {
    Session* oldest = nullptr;
    for (Session* s : shared.sessions) {
      if (!s->waiting_for_request() || (peer != nullptr && s->peer() != *peer)) continue;
      if (oldest == nullptr || s->order() < oldest->order()) oldest = s;
    }
    return oldest;
  }

  // Makes room under one cap: true when there is room (or was made).
  bool make_room(std::size_t in_use, std::size_t cap, const asio::ip::address* peer,
                 HttpLimit limit) {
    if (in_use < cap) return true;
    shared.count(limit);
    Session* victim = oldest_waiting(peer);
    if (victim == nullptr) return false;
    victim->close_to_make_room();
    return true;
  }

  // Admits a new connection under the per-peer and the listener's caps.
  void admit(tcp::socket s) {
    beast::error_code ec;
    const auto endpoint = s.remote_endpoint(ec);
    if (ec) return;  // Happens when the peer already went away.
    const asio::ip::address peer = endpoint.address();
    const auto same_peer = static_cast<std::size_t>(
        std::count_if(shared.sessions.begin(), shared.sessions.end(),
                      [&](const Session* x) { return x->peer() == peer && x->waiting_or_busy(); }));
    const bool room = make_room(same_peer, shared.options.max_connections_per_peer, &peer,
                                HttpLimit::kPeerConnections) &&
                      make_room(live_sessions(), shared.options.max_connections, nullptr,
                                HttpLimit::kConnections);
    if (!room) {
      s.close(ec);  // every slot is busy answering: refuse rather than queue
      return;
    }
    std::make_shared<Session>(std::move(s), shared, peer)->start();
  }

  // Sessions not already closed to make room (those leave the set once
  // their pending read completes).
  std::size_t live_sessions() const {
    return static_cast<std::size_t>(
        std::count_if(shared.sessions.begin(), shared.sessions.end(),
                      [](const Session* x) { return x->waiting_or_busy(); }));
  }
};

AdminHttpServer::AdminHttpServer(AdminHttpServerOptions options, const RouteTable& routes)
    : impl_(std::make_unique<Impl>()) {
  impl_->shared.routes = &routes;
  impl_->shared.options = std::move(options);
}

AdminHttpServer::~AdminHttpServer() {
  stop();
}

void AdminHttpServer::start() {
  Impl& im = *impl_;
  const auto address = asio::ip::make_address(im.shared.options.bind_address);
  tcp::endpoint endpoint(address, im.shared.options.port);
  im.acceptor.open(endpoint.protocol());
  im.acceptor.set_option(asio::socket_base::reuse_address(true));
  im.acceptor.bind(endpoint);
  im.acceptor.listen(asio::socket_base::max_listen_connections);
  im.port = im.acceptor.local_endpoint().port();
  im.do_accept();
  im.started = true;
  im.thread = std::thread([&im] { im.ioc.run(); });
}

void AdminHttpServer::stop() {
  Impl& im = *impl_;
  if (!im.started) return;
  im.started = false;
  asio::post(im.ioc, [&im] {
    beast::error_code ec;
    im.acceptor.close(ec);
    // Copy: closing completes handlers that erase from the set.
    std::vector<Session*> open(im.shared.sessions.begin(), im.shared.sessions.end());
    for (Session* s : open)
      s->close();
  });
  if (im.thread.joinable()) im.thread.join();
}

std::uint16_t AdminHttpServer::port() const {
  return impl_->port;
}

bool parse_host_port(std::string_view text, std::string& host, std::uint16_t& port) {
  std::size_t colon;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return false;
    }
    host = std::string(text.substr(1, close - 1));
    colon = close + 1;
  } else {
    colon = text.rfind(':');
    if (colon == std::string_view::npos) return false;
    host = std::string(text.substr(0, colon));
  }
  std::string_view digits = text.substr(colon + 1);
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc{} || ptr != digits.data() + digits.size() || digits.empty() ||
      value > 65535 || host.empty()) {
    return false;
  }
  port = static_cast<std::uint16_t>(value);
  return true;
}

}  // namespace trove::common
