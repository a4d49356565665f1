// The admin listener: one thread, one io_context, a session per connection in
// the style of Beast's advanced server. Sessions only move bytes; the
// RouteTable decides every answer.
#include "trove/common/admin_http_server.hpp"

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
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Shared& shared)
      : stream_(std::move(socket)),
        shared_(shared),
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

 private:
  void do_read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(shared_.options.max_header_bytes));
    parser_->body_limit(shared_.options.max_body_bytes);
    chunk_extensions_.attach(*parser_);
    stream_.expires_after(shared_.options.idle_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    // Happens when the client closes the connection or the idle timer fires.
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset) {
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
      if (!ec) {
        if (shared.sessions.size() >= shared.options.max_connections) {
          beast::error_code ignored;
          s.close(ignored);  // over the limit: refuse rather than queue
        } else {
          std::make_shared<Session>(std::move(s), shared)->start();
        }
      }
      if (acceptor.is_open()) do_accept();
    });
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
