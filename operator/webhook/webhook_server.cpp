#include "webhook/webhook_server.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace trove::webhook {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

std::shared_ptr<ssl::context> make_context(const KeyPair& serving) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  // The API server speaks TLS 1.2 and 1.3; older versions are refused.
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  try {
    ctx->use_certificate_chain(net::buffer(serving.cert_pem));
    ctx->use_private_key(net::buffer(serving.key_pem), ssl::context::pem);
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error(std::string("webhook TLS: the serving certificate does not load: ") +
                             e.what());
  }
  return ctx;
}

}  // namespace

struct WebhookServer::Impl {
  Impl(WebhookServerOptions o, Handler h, ErrorHook e)
      : options(std::move(o)), handle(std::move(h)), on_error(std::move(e)) {}

  void error(std::string_view reason) const {
    if (on_error) on_error(reason);
  }
  std::shared_ptr<ssl::context> context() {
    std::lock_guard lock(context_mutex);
    return current_context;
  }
  void do_accept();

  const WebhookServerOptions options;
  const Handler handle;
  const ErrorHook on_error;
  std::mutex context_mutex;
  std::shared_ptr<ssl::context> current_context;
  std::atomic<std::size_t> connections{0};
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  std::thread thread;
  std::atomic<std::uint16_t> bound_port{0};
  bool started = false;
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(WebhookServer::Impl& server, tcp::socket&& socket)
      : server_(server), context_(server.context()), stream_(std::move(socket), *context_) {}
  ~Session() { --server_.connections; }

  void run() {
    beast::get_lowest_layer(stream_).expires_after(server_.options.io_timeout);
    stream_.async_handshake(ssl::stream_base::server, [self = shared_from_this()](auto ec) {
      if (!ec) self->read();
    });
  }

 private:
  void read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.max_header_bytes));
    parser_->body_limit(server_.options.max_body_bytes);
    // An idle connection may wait longer for its next request than a
    // started one may take; the first byte cannot be told apart cheaply, so
    // the idle bound applies to the whole read and io_timeout to the rest.
    beast::get_lowest_layer(stream_).expires_after(first_request_ ? server_.options.io_timeout
                                                                  : server_.options.idle_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    first_request_ = false;
    if (ec == http::error::body_limit || ec == http::error::header_limit) {
      server_.error("too_large");
      return answer({http::status::payload_too_large, R"({"error":"request too large"})"}, false);
    }
    if (ec) {
      if (ec != http::error::end_of_stream && ec != net::ssl::error::stream_truncated &&
          ec != beast::error::timeout) {
        server_.error("bad_request");
      }
      return;
    }
    const auto& req = parser_->get();
    answer(route(req), req.keep_alive());
  }

  struct Answer {
    http::status status;
    std::string body;
  };

  Answer route(const http::request<http::string_body>& req) const {
    // kube-apiserver appends ?timeout=<n>s to the configured path.
    std::string_view target = req.target();
    if (target.substr(0, target.find('?')) != kMutatePath) {
      server_.error("not_found");
      return {http::status::not_found, R"({"error":"not found"})"};
    }
    if (req.method() != http::verb::post) {
      server_.error("method");
      return {http::status::method_not_allowed, R"({"error":"POST only"})"};
    }
    auto reply = server_.handle(req.body());
    return {static_cast<http::status>(reply.status), std::move(reply.body)};
  }

  void answer(Answer a, bool keep_alive) {
    response_.emplace(a.status, 11);
    response_->set(http::field::content_type, "application/json");
    response_->body() = std::move(a.body);
    response_->keep_alive(keep_alive);
    response_->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(server_.options.io_timeout);
    http::async_write(stream_, *response_,
                      [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                        if (!ec && keep_alive) return self->read();
                        if (!ec) self->close();
                      });
  }

  void close() {
    beast::get_lowest_layer(stream_).expires_after(server_.options.io_timeout);
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) {});
  }

  // The server outlives every session: sessions live in its io_context.
  WebhookServer::Impl& server_;
  std::shared_ptr<ssl::context> context_;  // outlives the stream that uses it
  beast::ssl_stream<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
  bool first_request_ = true;
};

}  // namespace

void WebhookServer::Impl::do_accept() {
  acceptor.async_accept([self = this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !self->acceptor.is_open()) return;
    if (!ec) {
      if (self->connections.load() >= self->options.max_connections) {
        self->error("connections");
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        ++self->connections;
        std::make_shared<Session>(*self, std::move(socket))->run();
      }
    }
    self->do_accept();
  });
}

WebhookServer::WebhookServer(WebhookServerOptions options, Handler handle, ErrorHook on_error)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handle), std::move(on_error))) {}

WebhookServer::~WebhookServer() {
  stop();
}

void WebhookServer::start(const KeyPair& serving) {
  reload(serving);
  const auto address = net::ip::make_address(impl_->options.bind_address);
  const tcp::endpoint endpoint(address, impl_->options.port);
  try {
    impl_->acceptor.open(endpoint.protocol());
    impl_->acceptor.set_option(net::socket_base::reuse_address(true));
    impl_->acceptor.bind(endpoint);
    impl_->acceptor.listen(net::socket_base::max_listen_connections);
  } catch (...) {
    // Closed, so a later start() can try again.
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
    throw;
  }
  impl_->bound_port = impl_->acceptor.local_endpoint().port();
  impl_->do_accept();
  impl_->started = true;
  impl_->thread = std::thread([impl = impl_.get()] { impl->ioc.run(); });
}

void WebhookServer::reload(const KeyPair& serving) {
  auto ctx = make_context(serving);
  std::lock_guard lock(impl_->context_mutex);
  impl_->current_context = std::move(ctx);
}

void WebhookServer::stop() {
  if (!impl_ || !impl_->started) return;
  impl_->started = false;
  impl_->ioc.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  // The I/O thread is gone: the acceptor is this thread's now. Open
  // sessions close when the io_context holding them is destroyed.
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
}

std::uint16_t WebhookServer::port() const {
  return impl_->bound_port.load();
}

}  // namespace trove::webhook
