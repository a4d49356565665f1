#include "kube/transport.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <mutex>
#include <vector>

#include "kube/errors.hpp"
#include "trove/common/http_read_limits.hpp"

namespace trove::kube {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

// client-go's dialer keepalive is 30 s; probes then every 10 s, 3 misses.
constexpr int kKeepIdleSeconds = 30;
constexpr int kKeepIntervalSeconds = 10;
constexpr int kKeepProbes = 3;
// Watch bodies are read in pieces of this size.
constexpr std::size_t kHeaderLimit = 64u << 10;

bool is_ip_literal(const std::string& host) {
  beast::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

std::string host_header(const ServerAddress& s) {
  std::string h = s.host.find(':') != std::string::npos ? "[" + s.host + "]" : s.host;
  const bool default_port = (s.tls && s.port == "443") || (!s.tls && s.port == "80");
  return default_port ? h : h + ":" + s.port;
}

// How far the last request on a connection got before it failed. Only a
// request of which no byte reached the socket is certainly unseen by the
// server (Go's net/http calls this a nothingWrittenError); once a byte left,
// the server may have read the whole request and acted on it.
enum class WriteProgress { kNothingWritten, kSomethingWritten };

// One connection: a stream and the io_context that drives it. Operations run
// the io_context on the calling thread until they complete or time out.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual HttpResponse exchange(const HttpRequest& req, std::string_view bearer) = 0;
  virtual WriteProgress write_progress() const = 0;
  // False when the server closed (or wrote to) the connection while it sat
  // idle in the pool: a request written to it would be lost.
  virtual bool usable_after_idle() = 0;
  virtual HttpResponse start_stream(const HttpRequest& req, std::string_view bearer,
                                    std::chrono::milliseconds header_timeout) = 0;
  virtual std::size_t read_body(char* data, std::size_t size, std::chrono::milliseconds idle) = 0;
  virtual void cancel() = 0;
  virtual bool reusable() const = 0;
};

template <class Stream>
class ConnectionImpl final : public Connection {
 public:
  ConnectionImpl(const ServerAddress& server, const TransportOptions& options, ssl::context* tls,
                 bool verify_host)
      : server_(server), options_(options), stream_(make_stream(tls)) {
    connect(verify_host);
  }

  HttpResponse exchange(const HttpRequest& req, std::string_view bearer) override {
    lowest().expires_after(options_.request_timeout);
    write_request(req, bearer);
    http::response_parser<http::string_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(options_.max_body_bytes);
    chunk_extensions_.attach(parser);
    check(run([&](auto handler) { http::async_read(stream_, buffer_, parser, handler); }),
          "read response");
    auto& res = parser.get();
    keep_alive_ = res.keep_alive();
    lowest().expires_never();
    return to_response(res, std::move(res.body()));
  }

  HttpResponse start_stream(const HttpRequest& req, std::string_view bearer,
                            std::chrono::milliseconds header_timeout) override {
    lowest().expires_after(std::min(options_.request_timeout, header_timeout));
    write_request(req, bearer);
    stream_parser_.emplace();
    stream_parser_->header_limit(kHeaderLimit);
    stream_parser_->body_limit(boost::none);  // a watch is unbounded by design
    chunk_extensions_.attach(*stream_parser_);
    check(run([&](auto handler) {
            http::async_read_header(stream_, buffer_, *stream_parser_, handler);
          }),
          "read watch header");
    auto& res = stream_parser_->get();
    HttpResponse head = to_response(res, {});
    if (head.status < 200 || head.status > 299) {
      // An error answer is small; read it whole so it can become an ApiError.
      char piece[4096];
      std::size_t n;
      while ((n = read_body(piece, sizeof piece, options_.request_timeout)) > 0) {
        if (head.body.size() + n > (1u << 20)) break;
        head.body.append(piece, n);
      }
    }
    keep_alive_ = false;  // streams are never pooled
    return head;
  }

  std::size_t read_body(char* data, std::size_t size, std::chrono::milliseconds idle) override {
    for (;;) {
      if (cancelled_.load()) throw transport_error("stream cancelled");
      if (stream_parser_->is_done()) return 0;
      auto& body = stream_parser_->get().body();
      body.data = data;
      body.size = size;
      lowest().expires_after(idle);
      beast::error_code ec = run(
          [&](auto handler) { http::async_read_some(stream_, buffer_, *stream_parser_, handler); });
      if (ec == http::error::need_buffer) ec = {};
      if (ec == beast::error::timeout)
        throw transport_error("no watch data for " + std::to_string(idle.count()) + " ms");
      if (cancelled_.load()) throw transport_error("stream cancelled");
      // A close right after the final chunk is the normal end of a watch.
      if (ec == http::error::end_of_stream || ec == asio::error::eof ||
          ec == ssl::error::stream_truncated) {
        if (stream_parser_->is_done()) return 0;
        throw transport_error("watch stream closed mid-message: " + ec.message());
      }
      check(ec, "read watch");
      const std::size_t got = size - body.size;
      if (got > 0) return got;
    }
  }

  void cancel() override {
    cancelled_.store(true);
    asio::post(ioc_, [this] { lowest().cancel(); });
  }

  bool reusable() const override { return keep_alive_ && !cancelled_.load(); }

  WriteProgress write_progress() const override { return write_progress_; }

  bool usable_after_idle() override {
    // Leftover bytes would be read as the start of the next answer.
    if (buffer_.size() > 0) return false;
    // Nothing may arrive on an idle HTTP/1.1 connection, so readable means
    // EOF, a reset, or stray data; a zero timeout makes this a pure check.
    pollfd idle{lowest().socket().native_handle(), POLLIN, 0};
    return ::poll(&idle, 1, 0) == 0;
  }

 private:
  Stream make_stream(ssl::context* tls) {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      (void)tls;
      return Stream(ioc_);
    } else {
      return Stream(ioc_, *tls);
    }
  }

  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  // Starts an async operation and runs this connection's io_context until it
  // completes; the tcp_stream deadline turns a hang into beast::error::timeout.
  template <class Start>
  beast::error_code run(Start&& start) {
    beast::error_code result = asio::error::would_block;
    ioc_.restart();
    start([&result](beast::error_code ec, auto&&...) { result = ec; });
    ioc_.run();
    return result;
  }

  void check(beast::error_code ec, const char* what) {
    if (!ec) return;
    keep_alive_ = false;
    throw transport_error(std::string(what) + " " + server_.host + ":" + server_.port + ": " +
                          ec.message());
  }

  void connect(bool verify_host) {
    tcp::resolver resolver(ioc_);
    beast::error_code ec;
    const auto endpoints = resolver.resolve(server_.host, server_.port, ec);
    check(ec, "resolve");
    lowest().expires_after(options_.connect_timeout);
    check(run([&](auto handler) { lowest().async_connect(endpoints, handler); }), "connect");
    auto& socket = lowest().socket();
    socket.set_option(tcp::no_delay(true), ec);
    if (options_.tcp_keepalive) {
      socket.set_option(asio::socket_base::keep_alive(true), ec);
      const int fd = socket.native_handle();
      ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &kKeepIdleSeconds, sizeof kKeepIdleSeconds);
      ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &kKeepIntervalSeconds,
                   sizeof kKeepIntervalSeconds);
      ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &kKeepProbes, sizeof kKeepProbes);
    }
    if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
      // SNI only for names; RFC 6066 forbids IP literals there.
      if (!is_ip_literal(server_.host) &&
          // SSL_set_tlsext_host_name is a macro with a C cast; this is its expansion.
          !SSL_ctrl(stream_.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
                    TLSEXT_NAMETYPE_host_name, const_cast<char*>(server_.host.c_str())))
        throw transport_error("cannot set TLS server name");
      if (verify_host) stream_.set_verify_callback(ssl::host_name_verification(server_.host));
      check(run([&](auto handler) { stream_.async_handshake(ssl::stream_base::client, handler); }),
            "TLS handshake with");
    }
    lowest().expires_never();
  }

  void write_request(const HttpRequest& req, std::string_view bearer) {
    write_progress_ = WriteProgress::kNothingWritten;
    const http::verb verb = http::string_to_verb(req.method);
    if (verb == http::verb::unknown) throw transport_error("unknown HTTP method " + req.method);
    http::request<http::string_body> r{verb, req.target, 11};
    r.set(http::field::host, host_header(server_));
    r.set(http::field::user_agent, options_.user_agent);
    r.set(http::field::accept, req.accept);
    if (!bearer.empty()) r.set(http::field::authorization, std::string("Bearer ").append(bearer));
    if (!req.content_type.empty()) r.set(http::field::content_type, req.content_type);
    r.body() = req.body;
    r.keep_alive(true);
    r.prepare_payload();
    std::size_t written = 0;
    const beast::error_code ec = run([&](auto handler) {
      http::async_write(stream_, r,
                        [&written, handler](beast::error_code e, std::size_t n) mutable {
                          written = n;
                          handler(e);
                        });
    });
    // A failed TLS write counts only records that went out whole, and the
    // server cannot decrypt a partial record, so 0 means unseen over TLS too.
    if (!ec || written > 0) write_progress_ = WriteProgress::kSomethingWritten;
    check(ec, "write request to");
  }

  template <class Message>
  static HttpResponse to_response(const Message& res, std::string body) {
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    out.body = std::move(body);
    out.retry_after = std::string(res[http::field::retry_after]);
    out.content_type = std::string(res[http::field::content_type]);
    return out;
  }

  // Copies: a watch stream may outlive the Transport that opened it.
  const ServerAddress server_;
  const TransportOptions options_;
  asio::io_context ioc_{1};
  Stream stream_;
  // Capped, and chunk extensions counted, so a chunk line or trailer block
  // from the API server cannot grow without bound (http_read_limits.hpp).
  beast::flat_buffer buffer_{common::read_buffer_limit(kHeaderLimit)};
  common::ChunkExtensionBudget chunk_extensions_{kHeaderLimit};
  std::optional<http::response_parser<http::buffer_body>> stream_parser_;
  std::atomic<bool> cancelled_{false};
  bool keep_alive_ = false;
  WriteProgress write_progress_ = WriteProgress::kNothingWritten;
};

bool is_safe_method(std::string_view method) {
  return method == "GET" || method == "HEAD";
}

// Whether a request whose connection failed mid-exchange may go out again.
bool may_send_again(const HttpRequest& request, WriteProgress progress) {
  switch (progress) {
    case WriteProgress::kNothingWritten:
      return true;
    case WriteProgress::kSomethingWritten:
      return is_safe_method(request.method) || request.replay == Replay::kRepeatable;
  }
  return false;
}

class StreamBody final : public BodyStream {
 public:
  explicit StreamBody(std::unique_ptr<Connection> conn) : conn_(std::move(conn)) {}
  std::size_t read_some(char* data, std::size_t size, std::chrono::milliseconds idle) override {
    return conn_->read_body(data, size, idle);
  }
  void cancel() override { conn_->cancel(); }

 private:
  std::unique_ptr<Connection> conn_;
};

}  // namespace

struct Transport::Impl {
  ServerAddress server;
  TransportOptions options;
  std::optional<ssl::context> tls;
  bool verify_host = false;
  std::mutex mutex;
  std::vector<std::unique_ptr<Connection>> idle;
  std::size_t opened = 0;

  Impl(const ClientConfig& config, TransportOptions opts)
      : server(config.server), options(std::move(opts)) {
    if (!server.tls) return;
    try {
      tls.emplace(ssl::context::tls_client);
      tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
      if (config.insecure_skip_tls_verify) {
        tls->set_verify_mode(ssl::verify_none);
      } else {
        tls->set_verify_mode(ssl::verify_peer);
        if (config.ca_pem.empty()) {
          tls->set_default_verify_paths();
        } else {
          tls->add_certificate_authority(asio::buffer(config.ca_pem));
        }
        verify_host = true;
      }
      if (!config.client_cert_pem.empty()) {
        tls->use_certificate_chain(asio::buffer(config.client_cert_pem));
        tls->use_private_key(asio::buffer(config.client_key_pem), ssl::context::pem);
      }
    } catch (const boost::system::system_error& e) {
      throw ConfigError(std::string("TLS configuration: ") + e.what());
    }
  }

  std::unique_ptr<Connection> open() {
    {
      std::lock_guard lock(mutex);
      ++opened;
    }
    if (server.tls)
      return std::make_unique<ConnectionImpl<beast::ssl_stream<beast::tcp_stream>>>(
          server, options, &*tls, verify_host);
    return std::make_unique<ConnectionImpl<beast::tcp_stream>>(server, options, nullptr, false);
  }

  // The most recently used idle connection the server has not closed; dead
  // ones are dropped here, before a request is written to them.
  std::unique_ptr<Connection> take_idle() {
    for (;;) {
      std::unique_ptr<Connection> c;
      {
        std::lock_guard lock(mutex);
        if (idle.empty()) return nullptr;
        c = std::move(idle.back());
        idle.pop_back();
      }
      if (c->usable_after_idle()) return c;
    }
  }

  void give_back(std::unique_ptr<Connection> c) {
    if (!c->reusable()) return;
    std::lock_guard lock(mutex);
    if (idle.size() < options.max_idle_connections) idle.push_back(std::move(c));
  }
};

Transport::Transport(const ClientConfig& config, TransportOptions options)
    : impl_(std::make_unique<Impl>(config, std::move(options))) {}

Transport::~Transport() = default;

const TransportOptions& Transport::options() const {
  return impl_->options;
}

std::size_t Transport::connections_opened() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->opened;
}

HttpResponse Transport::send(const HttpRequest& request, std::string_view bearer) {
  // The server may close a pooled connection just as a request is written to
  // it; one more attempt on a fresh connection covers that race, but only for
  // a request the server cannot apply twice (see may_send_again).
  if (auto pooled = impl_->take_idle()) {
    try {
      HttpResponse res = pooled->exchange(request, bearer);
      impl_->give_back(std::move(pooled));
      return res;
    } catch (const ApiError& e) {
      if (!may_send_again(request, pooled->write_progress()))
        throw transport_error(std::string(e.what()) + " (" + request.method +
                              " not sent again: the server may have applied it)");
    }
  }
  auto fresh = impl_->open();
  HttpResponse res = fresh->exchange(request, bearer);
  impl_->give_back(std::move(fresh));
  return res;
}

Transport::Streamed Transport::open_stream(const HttpRequest& request, std::string_view bearer,
                                           std::chrono::milliseconds header_timeout) {
  auto conn = impl_->open();
  Streamed out;
  out.head = conn->start_stream(request, bearer, header_timeout);
  if (out.head.status >= 200 && out.head.status <= 299)
    out.body = std::make_unique<StreamBody>(std::move(conn));
  return out;
}

}  // namespace trove::kube
