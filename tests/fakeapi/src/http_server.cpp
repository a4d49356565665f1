#include "http_server.hpp"

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "admission.hpp"
#include "api_types.hpp"
#include "router.hpp"
#include "token_file.hpp"
#include "watch_stream.hpp"

namespace trove::fakeapi {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

// An idle keep-alive connection is closed after this long (kube-apiserver
// has no such short limit, but tests never idle that long).
constexpr auto kIdleTimeout = std::chrono::seconds(300);
// Header limit: kubectl's headers are under 1 KiB.
constexpr std::uint32_t kHeaderLimit = 64 * 1024;
// Concurrent admission webhook calls (tests create a few pods at a time).
constexpr std::size_t kAdmissionThreads = 4;

class SessionBase : public std::enable_shared_from_this<SessionBase> {
 public:
  virtual ~SessionBase() = default;
  virtual void wake() = 0;
  virtual void shutdown() = 0;
};

}  // namespace

struct HttpServer::Impl {
  Impl(ApiState& s, HttpConfig c) : state(s), config(std::move(c)) {}

  ApiState& state;
  HttpConfig config;
  // Declared before the io_context: sessions (destroyed with it) use them.
  std::optional<ssl::context> tls;
  std::unique_ptr<TokenFile> token;
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  std::thread thread;
  // Admission webhook calls block for up to their timeoutSeconds, so they
  // run here, off the I/O thread that serves every other request and watch.
  net::thread_pool admission_pool{kAdmissionThreads};
  bool running = false;
  // I/O thread only.
  std::vector<std::weak_ptr<SessionBase>> sessions;
  std::vector<std::weak_ptr<SessionBase>> watches;
  std::atomic<bool> wake_posted{false};

  void do_accept();
  void wake_all() {
    wake_posted = false;
    std::erase_if(watches, [](const auto& w) { return w.expired(); });
    auto copy = watches;
    for (auto& w : copy) {
      if (auto s = w.lock()) s->wake();
    }
  }
};

namespace {

template <class Stream>
class Session final : public SessionBase {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  Session(HttpServer::Impl& server, tcp::socket&& socket)
      : server_(server),
        state_(server.state),
        stream_(make_stream(server, std::move(socket))),
        timer_(stream_.get_executor()),
        bookmark_timer_(stream_.get_executor()) {}

  ~Session() override { end_watch_accounting(); }

  void run() {
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(30));
      stream_.async_handshake(ssl::stream_base::server, [self = self()](beast::error_code ec) {
        // Fails when the client rejects our certificate.
        if (ec) return self->close();
        self->do_read();
      });
    } else {
      do_read();
    }
  }

  void wake() override {
    if (!watching_ || ending_ || closed_) return;
    if (silent_ || state_.faults.watch_faults().silent) {
      silent_ = true;  // a dead connection stays dead
      return;
    }
    std::string lines;
    WatchStep step;
    {
      std::lock_guard lock(state_.mutex);
      step = poll_watch(state_, *spec_, lines);
    }
    if (!lines.empty()) append_chunk(lines);
    if (step == WatchStep::kEnd) {
      end_watch();
    } else {
      flush();
    }
  }

  void shutdown() override { close(); }

 private:
  static Stream make_stream(HttpServer::Impl& server, tcp::socket&& socket) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *server.tls);
    } else {
      return Stream(std::move(socket));
    }
  }

  std::shared_ptr<Session> self() { return std::static_pointer_cast<Session>(shared_from_this()); }

  void do_read() {
    parser_.emplace();
    parser_->body_limit(state_.options.max_body_bytes);
    parser_->header_limit(kHeaderLimit);
    beast::get_lowest_layer(stream_).expires_after(kIdleTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = self()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    // The client closed the connection between requests.
    if (ec == http::error::end_of_stream) return close();
    if (ec == http::error::body_limit) {
      keep_alive_ = false;
      return send(ApiResponse::error(ApiError::too_large()));
    }
    if (ec == http::error::header_limit) {
      keep_alive_ = false;
      return send(ApiResponse::error(ApiError::bad_request("request headers too large")));
    }
    // Timeouts, resets, malformed HTTP: nothing sensible to answer.
    if (ec) return close();
    auto& req = parser_->get();
    keep_alive_ = req.keep_alive();
    ApiRequest request;
    request.method = std::string(req.method_string());
    if (!request.set_target(req.target())) {
      return send(ApiResponse::error(ApiError::bad_request("malformed request target")));
    }
    request.content_type = std::string(req[http::field::content_type]);
    request.accept = std::string(req[http::field::accept]);
    request.body = std::move(req.body());
    std::string authorization(req[http::field::authorization]);
    dispatch(std::move(request), authorization);
  }

  void dispatch(ApiRequest request, const std::string& authorization) {
    if (is_control_path(request.path)) return send(route_control(state_, request));
    if (server_.token && !server_.token->accepts(authorization)) {
      {
        std::lock_guard lock(state_.stats_mutex);
        ++state_.stats.unauthorized;
      }
      return send(ApiResponse::error(ApiError::unauthorized()));
    }
    class_ = classify(request);
    if (!class_.verb.empty()) state_.count_request(class_.verb, class_.resource);
    request_ = std::move(request);
    auto latency = state_.faults.latency();
    if (latency.count() <= 0) return serve();
    timer_.expires_after(latency);
    timer_.async_wait([self = self()](beast::error_code ec) {
      // Cancelled when the server stops.
      if (ec) return;
      self->serve();
    });
  }

  void serve() {
    if (!class_.verb.empty()) {
      if (auto fault = state_.faults.take_request_fault(class_.verb, class_.resource)) {
        {
          std::lock_guard lock(state_.stats_mutex);
          ++state_.stats.faults_injected;
        }
        ApiError e = ApiError::from_status(fault->status);
        if (fault->status == 429) e.retry_after_seconds = fault->retry_after_seconds;
        return send(ApiResponse::error(e));
      }
    }
    if (auto plan = plan_admission(state_, request_)) return admit(std::move(*plan));
    ApiResponse response = route(state_, request_);
    if (response.watch) return start_watch(std::move(response.watch));
    send(std::move(response));
  }

  // Runs the webhooks on the admission pool, then the create on the I/O
  // thread. The session reads nothing meanwhile, so request_ is the pool's.
  void admit(AdmissionPlan plan) {
    auto shared_plan = std::make_shared<AdmissionPlan>(std::move(plan));
    net::post(server_.admission_pool, [self = self(), shared_plan] {
      auto outcome =
          std::make_shared<AdmissionOutcome>(run_admission(*shared_plan, self->request_));
      net::post(self->stream_.get_executor(), [self, outcome] { self->finish_admitted(*outcome); });
    });
  }

  void finish_admitted(AdmissionOutcome& outcome) {
    if (closed_) return;
    ApiResponse response = outcome.refusal ? std::move(*outcome.refusal) : route(state_, request_);
    for (const std::string& warning : outcome.warnings) {
      response.headers.emplace_back("Warning", "299 - " + json::quote(warning));
    }
    send(std::move(response));
  }

  void send(ApiResponse response) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(response.status), 11);
    res->set(http::field::content_type, response.content_type);
    res->set(http::field::cache_control, "no-cache, private");
    for (const auto& [name, value] : response.headers)
      res->insert(name, value);
    res->body() = std::move(response.body);
    res->keep_alive(keep_alive_);
    res->prepare_payload();
    http::async_write(stream_, *res, [self = self(), res](beast::error_code ec, std::size_t) {
      // The client went away mid-response.
      if (ec || res->need_eof()) return self->close();
      self->do_read();
    });
  }

  // --- watch streaming -----------------------------------------------------

  void start_watch(std::shared_ptr<WatchSpec> spec) {
    spec_ = std::move(spec);
    WatchFaults faults = state_.faults.watch_faults();
    if (faults.close_after_events > 0)
      spec_->max_events = static_cast<std::uint64_t>(faults.close_after_events);
    silent_ = faults.silent;
    watching_ = true;
    {
      std::lock_guard lock(state_.stats_mutex);
      ++state_.stats.active_watches;
    }
    server_.watches.push_back(weak_from_this());
    // The watch response ends the connection: this session reads nothing
    // more (a pending read only detects the client going away).
    out_ =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCache-Control: no-cache, "
        "private\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    beast::get_lowest_layer(stream_).expires_never();
    if (!silent_ && !spec_->initial.empty()) append_chunk(spec_->initial);
    if (spec_->end_after_initial || faults.close_after_events == 0) return end_watch();
    auto deadline = std::chrono::duration_cast<std::chrono::milliseconds>(spec_->timeout);
    if (faults.close_after_ms >= 0)
      deadline = std::min(deadline, std::chrono::milliseconds(faults.close_after_ms));
    timer_.expires_after(deadline);
    timer_.async_wait([self = self()](beast::error_code ec) {
      if (ec) return;  // cancelled: the watch ended otherwise
      if (!self->silent_) self->end_watch();
    });
    if (spec_->bookmarks) schedule_bookmark();
    watch_for_disconnect();
    wake();
    flush();
  }

  void schedule_bookmark() {
    bookmark_timer_.expires_after(state_.options.bookmark_interval);
    bookmark_timer_.async_wait([self = self()](beast::error_code ec) {
      if (ec || self->ending_ || self->closed_) return;
      self->wake();
      if (!self->silent_ && !self->ending_) {
        std::string line;
        {
          std::lock_guard lock(self->state_.mutex);
          line = bookmark_line(*self->spec_, self->spec_->cursor);
        }
        self->append_chunk(line);
        self->flush();
      }
      self->schedule_bookmark();
    });
  }

  void watch_for_disconnect() {
    stream_.async_read_some(
        net::buffer(probe_), [self = self()](beast::error_code ec, std::size_t) {
          // EOF or reset: the client stopped watching.
          if (ec) return self->close();
          self->watch_for_disconnect();  // stray bytes after a watch request are ignored
        });
  }

  void append_chunk(const std::string& data) {
    char size[20];
    int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    out_.append(size, static_cast<std::size_t>(n));
    out_ += data;
    out_ += "\r\n";
  }

  void end_watch() {
    if (ending_) return;
    ending_ = true;
    timer_.cancel();
    bookmark_timer_.cancel();
    out_ += "0\r\n\r\n";
    flush();
  }

  void flush() {
    if (writing_ || closed_ || out_.empty()) return;
    writing_ = true;
    write_buffer_ = std::move(out_);
    out_.clear();
    net::async_write(stream_, net::buffer(write_buffer_),
                     [self = self()](beast::error_code ec, std::size_t) {
                       self->writing_ = false;
                       // The client went away.
                       if (ec) return self->close();
                       if (!self->out_.empty()) return self->flush();
                       if (self->ending_) self->close();
                     });
  }

  void end_watch_accounting() {
    if (!watching_) return;
    watching_ = false;
    std::lock_guard lock(state_.stats_mutex);
    --state_.stats.active_watches;
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    end_watch_accounting();
    timer_.cancel();
    bookmark_timer_.cancel();
    beast::error_code ec;
    auto& socket = beast::get_lowest_layer(stream_).socket();
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
  }

  HttpServer::Impl& server_;
  ApiState& state_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  net::steady_timer timer_;
  net::steady_timer bookmark_timer_;
  bool keep_alive_ = true;
  bool closed_ = false;
  ApiRequest request_;
  RequestClass class_;
  // Watch state.
  std::shared_ptr<WatchSpec> spec_;
  bool watching_ = false;
  bool ending_ = false;
  bool silent_ = false;
  bool writing_ = false;
  std::string out_;
  std::string write_buffer_;
  std::array<char, 64> probe_{};
};

}  // namespace

void HttpServer::Impl::do_accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    // Happens when stop() closes the acceptor.
    if (ec == net::error::operation_aborted) return;
    if (!ec) {
      std::shared_ptr<SessionBase> session;
      socket.set_option(tcp::no_delay(true), ec);
      if (tls) {
        auto s = std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(*this,
                                                                                 std::move(socket));
        s->run();
        session = s;
      } else {
        auto s = std::make_shared<Session<beast::tcp_stream>>(*this, std::move(socket));
        s->run();
        session = s;
      }
      std::erase_if(sessions, [](const auto& w) { return w.expired(); });
      sessions.push_back(session);
    }
    do_accept();
  });
}

HttpServer::HttpServer(ApiState& state, HttpConfig config)
    : impl_(std::make_unique<Impl>(state, std::move(config))) {}

HttpServer::~HttpServer() {
  stop();
}

std::uint16_t HttpServer::start() {
  Impl& s = *impl_;
  if (!s.config.cert_file.empty()) {
    s.tls.emplace(ssl::context::tls_server);
    s.tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    s.tls->use_certificate_chain_file(s.config.cert_file.string());
    s.tls->use_private_key_file(s.config.key_file.string(), ssl::context::pem);
    if (!s.config.token_file.empty()) s.token = std::make_unique<TokenFile>(s.config.token_file);
  }
  tcp::endpoint endpoint(net::ip::make_address(s.config.bind_address), s.config.port);
  s.acceptor.open(endpoint.protocol());
  s.acceptor.set_option(net::socket_base::reuse_address(true));
  s.acceptor.bind(endpoint);
  s.acceptor.listen(net::socket_base::max_listen_connections);
  std::uint16_t port = s.acceptor.local_endpoint().port();
  {
    std::lock_guard lock(s.state.mutex);
    s.state.on_change = [&s] {
      if (!s.wake_posted.exchange(true)) net::post(s.ioc, [&s] { s.wake_all(); });
    };
  }
  s.do_accept();
  s.running = true;
  s.thread = std::thread([&s] { s.ioc.run(); });
  return port;
}

void HttpServer::stop() {
  Impl& s = *impl_;
  if (!s.running) return;
  s.running = false;
  net::post(s.ioc, [&s] {
    beast::error_code ec;
    s.acceptor.close(ec);
    for (auto& w : s.sessions) {
      if (auto session = w.lock()) session->shutdown();
    }
    s.ioc.stop();
  });
  s.thread.join();
  // A call in flight ends within its timeout; its reply is dropped with the io_context.
  s.admission_pool.join();
  {
    std::lock_guard lock(s.state.mutex);
    s.state.on_change = nullptr;
  }
}

}  // namespace trove::fakeapi
