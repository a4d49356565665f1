// The data plane's HTTP/1.1 session (Beast advanced-server style): reads a
// request with Beast's parser (header fields in a per-connection arena,
// http_request.hpp), routes it (polls: http_poll.hpp; ingest, answered when
// its batch is done; WebSocket upgrades, handed to ws_connection.cpp) and
// writes the response (http_response.hpp), within the idle and handshake
// timeouts.
#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <optional>

#include "net/http_access.hpp"
#include "net/http_request.hpp"
#include "net/http_response.hpp"
#include "net/poll_protocol.hpp"
#include "net/request_arena.hpp"
#include "net/sessions.hpp"
#include "net/worker.hpp"
#include "net/ws_handshake.hpp"
#include "net/ws_upgrade.hpp"
#include "trove/common/http_read_limits.hpp"

namespace trove::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kBoxesPrefix = "/v1/boxes/";
// The public listener serves reads, which carry no body: a body there is at
// most this much (then 413), so a reader cannot make the server buffer an
// ingest-sized body (--max-body-bytes) only to be told ingest is elsewhere.
constexpr std::uint64_t kPublicMaxBodyBytes = 16 * 1024;
// An ingest batch refused over --max-memory-mib (Retry-After: 1, as
// MemoryGuard::kRetryAfterSeconds).
constexpr std::string_view kOverBudget =
    R"({"error":"over the memory budget (--max-memory-mib): retry later","retryAfterS":1})";
static_assert(MemoryGuard::kRetryAfterSeconds == 1);

class HttpSession final : public Session, public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(Socket socket, Worker& worker, Listener listener, PeerSlot peer)
      : socket_(std::move(socket)),
        worker_(worker),
        listener_(listener),
        config_(worker.context().config),
        buffer_(common::read_buffer_limit(config_.max_header_bytes)),
        chunk_extensions_(config_.max_header_bytes),
        peer_(std::move(peer)) {}

  ~HttpSession() override {
    if (registered_) {
      worker_.metrics().connections_closed[static_cast<std::size_t>(Protocol::kHttp)].add();
      worker_.remove_session(this);
    }
  }

  void start() {
    worker_.add_session(this);
    registered_ = true;
    worker_.metrics().connections_opened[static_cast<std::size_t>(Protocol::kHttp)].add();
    do_read();
  }

  void drain() override {
    draining_ = true;
    // Idle between requests: nothing in flight, close now. Otherwise the
    // response in progress is sent with Connection: close.
    if (reading_ && buffer_.size() == 0 && !parser_->got_some()) close();
  }

  void on_deadline() override {
    worker_.metrics().count_limit(first_request_ ? Limit::kHandshakeTimeout : Limit::kIdleTimeout);
    close();
  }

 private:
  void close() {
    set_deadline({});
    boost::system::error_code ignored;
    socket_.shutdown(Socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  void do_read() {
    // The previous request's fields die with its parser; only then is the
    // arena rewound for the next one.
    parser_.reset();
    arena_->reset();
    parser_.emplace(std::piecewise_construct, std::make_tuple(),
                    std::make_tuple(HttpFieldsAllocator(*arena_)));
    parser_->header_limit(static_cast<std::uint32_t>(config_.max_header_bytes));
    parser_->body_limit(listener_ == Listener::kPublic
                            ? std::min<std::uint64_t>(kPublicMaxBodyBytes, config_.max_body_bytes)
                            : config_.max_body_bytes);
    chunk_extensions_.attach(*parser_);
    // Slowloris: the whole request must arrive within the timeout, however
    // slowly its bytes trickle in.
    set_deadline(deadline_now() + std::chrono::milliseconds(first_request_
                                                                ? config_.handshake_timeout_ms
                                                                : config_.idle_timeout_ms));
    reading_ = true;
    http::async_read(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    reading_ = false;
    set_deadline({});
    // Happens when the client closes, or the sweeper/drain closed the socket.
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == asio::error::bad_descriptor || ec == asio::error::connection_reset ||
        ec == asio::error::eof) {
      return close();
    }
    // Happens when the request outgrows a limit: its header, its body, a
    // chunk line or the trailers (the read buffer), its chunk extensions.
    const common::HttpLimit limit =
        common::classify_read_error(ec, parser_->is_header_done(), chunk_extensions_);
    if (limit != common::HttpLimit::kNone) {
      worker_.metrics().count_limit(limit_of(limit));
      return reply_and_close(common::limit_status(limit), "request too large\n");
    }
    // Happens when the parser refuses anything else: a malformed request.
    if (ec) return reply_and_close(400, "malformed HTTP request\n");

    first_request_ = false;
    started_ = Clock::now();
    auto& req = parser_->get();
    if (beast::websocket::is_upgrade(req)) return upgrade();
    response_.clear(req.keep_alive() && !draining_ && !worker_.draining());
    const std::string_view target = req.target();
    if (target.substr(0, kBoxesPrefix.size()) == kBoxesPrefix) {
      route_ = Route::kPoll;
      answer_guarded_poll(req, target.substr(kBoxesPrefix.size()), worker_.context(), token_cache_,
                          response_);
    } else if (is_ingest_path(target) && listener_ == Listener::kPublic) {
      return answer_ingest_elsewhere();
    } else if (is_ingest_path(target)) {
      route_ = Route::kIngest;
      if (const std::string_view error = choose_ack(target); !error.empty()) {
        response_.respond(400, kText, {}, error);
        return do_write();
      }
      if (req.method() == http::verb::post && worker_.context().over_memory_budget()) {
        // Refused before any of it is stored: nothing acknowledged is lost.
        worker_.metrics().count_limit(Limit::kMemoryBudget);
        response_.extra_headers() = "Retry-After: 1\r\n";
        response_.respond(503, kJson, {}, kOverBudget);
        return do_write();
      }
      if (req.method() == http::verb::post) {
        // Also while draining: a request that arrived is in flight and finishes.
        slicer_.start(req.body());  // the body lives in parser_ until the next read
        worker_.add_ingest_session();
        return continue_ingest();  // responds when the batch is done
      }
      response_.respond(405, kText, {}, "use POST\n");
    } else {
      route_ = Route::kOther;
      response_.respond(404, kText, {},
                        listener_ == Listener::kPublic
                            ? "not found: try GET /v1/boxes/{id}, WS /v1/ws\n"
                            : "not found: try GET /v1/boxes/{id}, POST /v1/ingest, WS /v1/ws\n");
    }
    do_write();
  }

  // Writes are not served on the public listener: say where they are, so a
  // misconfigured producer finds out from the answer.
  void answer_ingest_elsewhere() {
    response_.clear(/*keep_alive=*/false);
    route_ = Route::kOther;
    const auto& context = worker_.context();
    ack_.clear();
    ack_ += R"({"error":"ingest is not served on this listener","ingestListener":")";
    // An IP address (validated by its knob): nothing to escape.
    const std::string& bind = context.config.ingest_bind;
    const bool v6 = bind.find(':') != std::string::npos;
    ack_ += v6 ? "[" + bind + "]:" : bind + ":";
    ack_ += std::to_string(context.ingest_port);
    ack_ += "\"}";
    response_.respond(404, kJson, {}, ack_);
    do_write();
  }

  // Alone on the worker, a batch is ingested in one go; with other
  // connections there, in slices with a turn for them in between
  // (sliced_ingest.hpp).
  void continue_ingest() {
    if (!worker_.ingest_some(slicer_)) {
      asio::post(socket_.get_executor(), [self = shared_from_this()] { self->continue_ingest(); });
      return;
    }
    worker_.remove_ingest_session();
    if (ack_mode_ == AckMode::kMemory) return send_ingest_ack(false, {});
    worker_.when_durable(slicer_.ticket(),
                         [self = shared_from_this()](bool ok, std::string_view reason) {
                           self->send_ingest_ack(ok, reason);
                         });
  }

  // `durable_ok`: the batch's records are on disk. A durable ack that could
  // not be given is a 503 saying why; the batch is stored in memory.
  void send_ingest_ack(bool durable_ok, std::string_view reason) {
    ack_.clear();
    const bool failed = ack_mode_ == AckMode::kDurable && !durable_ok;
    append_ingest_ack(ack_, ++seq_, worker_.context().store.incarnation(),
                      durable_ok ? AckMode::kDurable : AckMode::kMemory, slicer_.result(), reason);
    response_.respond(failed ? 503 : 200, kJson, {}, ack_);
    do_write();
  }

  // Sets the ack mode of an ingest request (its query, else --ack); returns
  // why not (a 400's body) for a query it cannot honour, else "".
  std::string_view choose_ack(std::string_view target) {
    const AckMode server_default = config_.ack_durable ? AckMode::kDurable : AckMode::kMemory;
    const std::optional<AckMode> mode = parse_ingest_target(target, server_default);
    if (!mode) return "ingest query: ack=memory or ack=durable\n";
    if (*mode == AckMode::kDurable && worker_.context().journal == nullptr) {
      return "ack=durable needs a state directory (--state-dir)\n";
    }
    ack_mode_ = *mode;
    return {};
  }

  void reply_and_close(int status, std::string_view body) {
    response_.clear(/*keep_alive=*/false);
    route_ = Route::kOther;
    started_ = Clock::now();
    response_.respond(status, kText, {}, body);
    do_write();
  }

  void do_write() {
    set_deadline(deadline_now() + std::chrono::milliseconds(config_.idle_timeout_ms));
    asio::async_write(
        socket_, asio::buffer(response_.bytes()),
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(beast::error_code ec) {
    set_deadline({});
    const auto nanos = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - started_).count());
    auto& m = worker_.metrics();
    if (route_ == Route::kIngest) {
      m.ingest_latency[0].observe(nanos);
    } else {
      m.poll_latency[0].observe(nanos);
      m.count_poll(Protocol::kHttp, response_.status());
    }
    // Happens when the peer went away mid-response.
    if (ec) return close();
    if (!response_.keep_alive() || draining_) return close();
    do_read();
  }

  void upgrade() {
    const std::string_view target = parser_->get().target();
    WsMode mode;
    if (target == "/v1/ws") {
      mode = WsMode::kClient;
    } else if (is_ingest_path(target) && listener_ == Listener::kPublic) {
      return answer_ingest_elsewhere();
    } else if (is_ingest_path(target)) {
      if (const std::string_view error = choose_ack(target); !error.empty()) {
        response_.clear(/*keep_alive=*/false);
        route_ = Route::kOther;
        response_.respond(400, kText, {}, error);
        return do_write();
      }
      mode = ack_mode_ == AckMode::kDurable ? WsMode::kIngestDurable : WsMode::kIngest;
    } else {
      response_.clear(/*keep_alive=*/false);
      route_ = Route::kOther;
      response_.respond(404, kText, {}, "WebSocket endpoints: /v1/ws, /v1/ingest\n");
      return do_write();
    }
    if (worker_.draining()) {
      response_.clear(/*keep_alive=*/false);
      response_.respond(503, kText, {}, "draining\n");
      return do_write();
    }
    const HttpRequest& req = parser_->get();
    if (const auto key = req.find(http::field::sec_websocket_key);
        key == req.end() || !is_websocket_key(key->value())) {
      response_.clear(/*keep_alive=*/false);
      route_ = Route::kOther;
      response_.respond(400, kText, {}, "Sec-WebSocket-Key must be the base64 of 16 bytes\n");
      return do_write();
    }
    std::optional<auth::TokenClaims> claims;
    if (!admit_ws_upgrade(req, mode, worker_.context(), claims, response_)) {
      route_ = Route::kOther;
      return do_write();
    }
    // Upgrades are rare: copy the request out of the arena for the handshake.
    UpgradeRequest upgrade(req.method(), req.target(), req.version());
    for (const auto& field : req)
      upgrade.insert(field.name_string(), field.value());
    start_ws_session(std::move(socket_), worker_, upgrade, mode, std::move(claims),
                     std::move(peer_));
    // This session ends here; the socket belongs to the WebSocket session.
  }

  enum class Route { kPoll, kIngest, kOther };

  Socket socket_;
  Worker& worker_;
  const Listener listener_;
  const config::ServerConfig& config_;
  // Capped: a chunk line or trailer block cannot grow it without bound.
  beast::flat_buffer buffer_;
  // Chunk extensions count against the header limit (they are metadata too).
  common::ChunkExtensionBudget chunk_extensions_;
  PeerSlot peer_;  // this connection in --max-conns-per-ip's count
  // Heap-held so the session object stays small; allocated once per connection.
  std::unique_ptr<RequestArena> arena_ = std::make_unique<RequestArena>();
  std::optional<HttpRequestParser> parser_;
  HttpResponse response_;
  auth::VerifiedTokenCache token_cache_;  // the client token this connection verified last
  std::string ack_;
  SlicedIngest slicer_;
  Clock::time_point started_{};
  Route route_ = Route::kOther;
  std::uint64_t seq_ = 0;
  AckMode ack_mode_ = AckMode::kMemory;
  bool first_request_ = true;
  bool reading_ = false;
  bool draining_ = false;
  bool registered_ = false;
};

}  // namespace

void start_http_session(Socket socket, Worker& worker, Listener listener, PeerSlot peer) {
  std::make_shared<HttpSession>(std::move(socket), worker, listener, std::move(peer))->start();
}

}  // namespace trove::net
