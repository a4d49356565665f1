// trove-beast-ref: the benchmarks' "plain Boost.Beast" reference server.
// Figures for plain Beast measured on other days cannot be compared with
// trove's; this server lets the bench measure it in the same run as trove.
//
// It is deliberately what a competent engineer writes from Beast's own
// examples (http_server_async, websocket_server_async, advanced_server) with
// no tuning: one io_context on one thread, one session object per connection
// owning its stream and its reused flat_buffer, a plain request → response
// function, http::response<http::string_body>, websocket::stream over
// beast::tcp_stream with the suggested server timeouts. The normal choices are
// made (TCP_NODELAY, keep-alive); nothing trove does for speed is copied.
//
//   HTTP GET, any path  → 200, the same 50-byte JSON body as trove-floor,
//                         Content-Type: application/json, ETag: "1".
//   WebSocket, any path → every message is answered with one text message
//                         shaped like trove's reply to {"op":"get","box":N}.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <csignal>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>

#include "reference_server.hpp"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr std::string_view kBody = trove::loadgen::kReferenceBody;

// The shape of trove's reply to a WebSocket get: {"op":"get","box":N,"seq":V,
// "payload":P} with P one of the load generator's ingest messages, so both
// servers write messages of about the same size. The load generator only
// checks that a reply arrives and is not an error, so the reference parses
// nothing and always sends this.
constexpr std::string_view kGetReply =
    R"({"op":"get","box":123456,"seq":1,"payload":{"box":123456,"hunt":"spring","x":12.5,)"
    R"("y":-3.25,"state":"open","ts":1732712345678,"player":"p-8812"}})";

// How long an HTTP connection may take to send its next request: the value
// Beast's examples use. The benchmark's pollers send one every 250 ms.
constexpr auto kHttpIdleTimeout = std::chrono::seconds(30);

// Errors that only mean the peer went away (the load generator closes every
// connection at the end of a run): not worth a line on stderr.
bool is_peer_gone(beast::error_code ec) {
  return ec == net::error::operation_aborted || ec == net::error::connection_reset ||
         ec == net::error::eof || ec == net::error::broken_pipe || ec == websocket::error::closed ||
         ec == beast::error::timeout;
}

void fail(beast::error_code ec, const char* what) {
  if (is_peer_gone(ec)) return;
  std::cerr << "trove-beast-ref: " << what << ": " << ec.message() << "\n";
}

// The request handler: a plain function from request to response.
http::response<http::string_body> handle_request(const http::request<http::string_body>& req) {
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    http::response<http::string_body> res{http::status::method_not_allowed, req.version()};
    res.set(http::field::allow, "GET, HEAD");
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return res;
  }
  http::response<http::string_body> res{http::status::ok, req.version()};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::etag, "\"1\"");
  res.keep_alive(req.keep_alive());
  res.body() = kBody;
  res.prepare_payload();
  if (req.method() == http::verb::head) res.body().clear();
  return res;
}

// One WebSocket connection: accept the upgrade, then read a message, write
// the reply, read the next.
class websocket_session : public std::enable_shared_from_this<websocket_session> {
 public:
  explicit websocket_session(tcp::socket&& socket) : ws_(std::move(socket)) {}

  void run(const http::request<http::string_body>& req) {
    // The websocket stream has its own timeouts; the HTTP one no longer applies.
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.async_accept(req,
                     beast::bind_front_handler(&websocket_session::on_accept, shared_from_this()));
  }

 private:
  void on_accept(beast::error_code ec) {
    // Happens when the upgrade request is not a valid WebSocket handshake.
    if (ec) return fail(ec, "ws accept");
    do_read();
  }

  void do_read() {
    ws_.async_read(buffer_,
                   beast::bind_front_handler(&websocket_session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    // Happens when the peer closes the WebSocket (websocket::error::closed)
    // or the connection drops.
    if (ec) return fail(ec, "ws read");
    buffer_.consume(buffer_.size());
    ws_.text(true);
    ws_.async_write(net::buffer(kGetReply.data(), kGetReply.size()),
                    beast::bind_front_handler(&websocket_session::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    // Happens when the peer resets the connection while the reply is in flight.
    if (ec) return fail(ec, "ws write");
    do_read();
  }

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
};

// One HTTP connection: read a request, write its response, read the next;
// hands the socket to a websocket_session on an upgrade request.
class http_session : public std::enable_shared_from_this<http_session> {
 public:
  explicit http_session(tcp::socket&& socket) : stream_(std::move(socket)) {}

  void run() { do_read(); }

 private:
  void do_read() {
    req_ = {};
    stream_.expires_after(kHttpIdleTimeout);
    http::async_read(stream_, buffer_, req_,
                     beast::bind_front_handler(&http_session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    // Happens when the client closes the connection between requests.
    if (ec == http::error::end_of_stream) return do_close();
    // Happens on a malformed request, a reset or the idle timeout.
    if (ec) return fail(ec, "http read");
    if (websocket::is_upgrade(req_)) {
      std::make_shared<websocket_session>(stream_.release_socket())->run(req_);
      return;
    }
    res_ = handle_request(req_);
    http::async_write(stream_, res_,
                      beast::bind_front_handler(&http_session::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    // Happens when the client resets the connection while the response is in flight.
    if (ec) return fail(ec, "http write");
    if (!res_.keep_alive()) return do_close();
    do_read();
  }

  void do_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
};

// Accepts connections and starts an http_session for each.
class listener : public std::enable_shared_from_this<listener> {
 public:
  listener(net::io_context& ioc, const tcp::endpoint& endpoint) : ioc_(ioc), acceptor_(ioc) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(net::socket_base::max_listen_connections);
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  void run() { do_accept(); }

 private:
  void do_accept() {
    acceptor_.async_accept(ioc_,
                           beast::bind_front_handler(&listener::on_accept, shared_from_this()));
  }

  void on_accept(beast::error_code ec, tcp::socket socket) {
    // Happens when the process runs out of file descriptors; keep accepting.
    if (ec) {
      fail(ec, "accept");
    } else {
      // Responses are small and latency is what is measured: no Nagle delay.
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<http_session>(std::move(socket))->run();
    }
    do_accept();
  }

  net::io_context& ioc_;
  tcp::acceptor acceptor_;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"trove-beast-ref: plain Boost.Beast HTTP + WebSocket reference server"};
  std::string bind = "127.0.0.1", port_file;
  std::uint16_t port = 0;
  app.add_option("--bind", bind);
  app.add_option("--port", port, "0 = ephemeral");
  app.add_option("--port-file", port_file,
                 "write {\"data\":P,\"admin\":0,\"pid\":N} once listening");
  CLI11_PARSE(app, argc, argv);

  // One thread runs everything: the concurrency hint tells Asio so.
  net::io_context ioc{1};
  std::shared_ptr<listener> server;
  try {
    server = std::make_shared<listener>(ioc, tcp::endpoint{net::ip::make_address(bind), port});
  } catch (const std::exception& e) {
    std::cerr << "trove-beast-ref: cannot listen on " << bind << ":" << port << ": " << e.what()
              << "\n";
    return 1;
  }
  server->run();
  if (!port_file.empty()) {
    trove::loadgen::write_reference_port_file(port_file, server->port());
  }

  // SIGTERM is the bench's way to stop a reference server; SIGINT is Ctrl-C.
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&ioc](beast::error_code, int) { ioc.stop(); });
  ioc.run();
  return 0;
}
