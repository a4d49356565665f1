// The data plane's HTTP/1.1 session (Beast advanced-server style): reads a
// request with Beast's parser, answers polls and ingest from buffers it owns,
// and hands WebSocket upgrades to ws_connection.cpp. Responses are written from
// one std::string per connection whose capacity is reused, so a steady poll
// loop allocates nothing per request.
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <optional>

#include "net/poll_protocol.hpp"
#include "net/request_arena.hpp"
#include "net/sessions.hpp"
#include "net/worker.hpp"
#include "net/ws_upgrade.hpp"

namespace trove::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kBoxesPrefix = "/v1/boxes/";
constexpr std::string_view kJson = "application/json";
constexpr std::string_view kText = "text/plain; charset=utf-8";
// Room for the head plus a payload: reserved once per connection.
constexpr std::size_t kInitialResponseBytes = 512;

using FieldsAllocator = RequestArenaAllocator<char>;
using Fields = http::basic_fields<FieldsAllocator>;
using Request = http::request<http::string_body, Fields>;
using RequestParser = http::request_parser<http::string_body, FieldsAllocator>;

class HttpSession final : public Session, public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(Socket socket, Worker& worker)
      : socket_(std::move(socket)), worker_(worker), config_(worker.context().config) {
    out_.reserve(kInitialResponseBytes);
  }

  ~HttpSession() override {
    if (registered_) {
      worker_.metrics().connections_closed[static_cast<std::size_t>(Protocol::kHttp)].Add();
      worker_.Unregister(this);
    }
  }

  void Start() {
    worker_.Register(this);
    registered_ = true;
    worker_.metrics().connections_opened[static_cast<std::size_t>(Protocol::kHttp)].Add();
    DoRead();
  }

  void Drain() override {
    draining_ = true;
    // Idle between requests: nothing in flight, close now. Otherwise the
    // response in progress is sent with Connection: close.
    if (reading_ && buffer_.size() == 0 && !parser_->got_some()) Close();
  }

  void OnDeadline() override {
    worker_.metrics().CountLimit(first_request_ ? Limit::kHandshakeTimeout : Limit::kIdleTimeout);
    Close();
  }

 private:
  void Close() {
    set_deadline({});
    boost::system::error_code ignored;
    socket_.shutdown(Socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  void DoRead() {
    // The previous request's fields die with its parser; only then is the
    // arena rewound for the next one.
    parser_.reset();
    arena_->Reset();
    parser_.emplace(std::piecewise_construct, std::make_tuple(),
                    std::make_tuple(FieldsAllocator(*arena_)));
    parser_->header_limit(static_cast<std::uint32_t>(config_.max_header_bytes));
    parser_->body_limit(config_.max_body_bytes);
    // Slowloris: the whole request must arrive within the timeout, however
    // slowly its bytes trickle in.
    set_deadline(DeadlineNow() + std::chrono::milliseconds(first_request_
                                                               ? config_.handshake_timeout_ms
                                                               : config_.idle_timeout_ms));
    reading_ = true;
    http::async_read(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    reading_ = false;
    set_deadline({});
    // Happens when the client closes, or the sweeper/drain closed the socket.
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == asio::error::bad_descriptor || ec == asio::error::connection_reset ||
        ec == asio::error::eof) {
      return Close();
    }
    if (ec == http::error::header_limit) {
      worker_.metrics().CountLimit(Limit::kHeaderSize);
      return ReplyAndClose(431, "request header too large\n");
    }
    if (ec == http::error::body_limit) {
      worker_.metrics().CountLimit(Limit::kBodySize);
      return ReplyAndClose(413, "request body too large\n");
    }
    // Anything else the parser refuses: a malformed request.
    if (ec) return ReplyAndClose(400, "malformed HTTP request\n");

    first_request_ = false;
    started_ = Clock::now();
    auto& req = parser_->get();
    if (beast::websocket::is_upgrade(req)) return Upgrade();
    keep_alive_ = req.keep_alive() && !draining_ && !worker_.draining();
    const std::string_view target = req.target();
    out_.clear();
    if (target.substr(0, kBoxesPrefix.size()) == kBoxesPrefix) {
      route_ = Route::kPoll;
      HandlePoll(req, target.substr(kBoxesPrefix.size()));
    } else if (target == "/v1/ingest") {
      route_ = Route::kIngest;
      if (req.method() == http::verb::post) {
        // Also while draining: a request that arrived is in flight and finishes.
        slicer_.Start(req.body());  // the body lives in parser_ until the next read
        worker_.AddIngestSession();
        return ContinueIngest();  // responds when the batch is done
      }
      Respond(405, kText, 0, "use POST\n");
    } else {
      route_ = Route::kOther;
      Respond(404, kText, 0, "not found: try GET /v1/boxes/{id}, POST /v1/ingest, WS /v1/ws\n");
    }
    DoWrite();
  }

  void HandlePoll(const Request& req, std::string_view id_text) {
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
      return Respond(405, kText, 0, "use GET\n");
    }
    const auto id = ParseBoxId(id_text);
    if (!id) return Respond(400, kText, 0, "box id must be an integer 1 .. 2^64-1\n");
    auto& store = worker_.context().store;
    const auto inm = req.find(http::field::if_none_match);
    if (inm != req.end()) {
      const auto version = store.version(*id);
      if (version && IfNoneMatchHits(inm->value(), *version)) {
        return Respond(304, {}, *version, {});
      }
    }
    // Copy the payload from the store straight into this connection's buffer.
    const std::size_t max = store.payload_max();
    char payload[store::kPayloadMaxLimit];
    const store::ReadResult r = store.read(*id, std::span<char>(payload, max));
    if (!r.found) return Respond(404, kText, 0, "no such box\n");
    const std::string_view body(payload, std::min(r.payload_size, max));
    Respond(200, kJson, r.version, req.method() == http::verb::head ? std::string_view{} : body,
            body.size());
  }

  // Alone on the worker, a batch is ingested in one go; with other
  // connections there, in slices with a turn for them in between
  // (sliced_ingest.hpp).
  void ContinueIngest() {
    if (!worker_.IngestSome(slicer_)) {
      asio::post(socket_.get_executor(), [self = shared_from_this()] { self->ContinueIngest(); });
      return;
    }
    worker_.RemoveIngestSession();
    ack_.clear();
    AppendIngestAck(ack_, ++seq_, slicer_.result());
    Respond(200, kJson, 0, ack_);
    DoWrite();
  }

  void Respond(int status, std::string_view content_type, std::uint64_t version,
               std::string_view body, std::size_t content_length = SIZE_MAX) {
    status_ = status;
    if (content_length == SIZE_MAX) content_length = body.size();
    if (status == 304) content_length = 0;
    AppendResponseHead(out_, status, content_type, version, content_length, keep_alive_);
    out_.append(body);
  }

  void ReplyAndClose(int status, std::string_view body) {
    keep_alive_ = false;
    route_ = Route::kOther;
    out_.clear();
    started_ = Clock::now();
    Respond(status, kText, 0, body);
    DoWrite();
  }

  void DoWrite() {
    set_deadline(DeadlineNow() + std::chrono::milliseconds(config_.idle_timeout_ms));
    asio::async_write(
        socket_, asio::buffer(out_),
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnWrite(ec); });
  }

  void OnWrite(beast::error_code ec) {
    set_deadline({});
    const auto nanos = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - started_).count());
    auto& m = worker_.metrics();
    if (route_ == Route::kIngest) {
      m.ingest_latency[0].Observe(nanos);
    } else {
      m.poll_latency[0].Observe(nanos);
      m.CountPoll(Protocol::kHttp, status_);
    }
    // Happens when the peer went away mid-response.
    if (ec) return Close();
    if (!keep_alive_ || draining_) return Close();
    DoRead();
  }

  void Upgrade() {
    const std::string_view target = parser_->get().target();
    WsMode mode;
    if (target == "/v1/ws") {
      mode = WsMode::kClient;
    } else if (target == "/v1/ingest") {
      mode = WsMode::kIngest;
    } else {
      out_.clear();
      keep_alive_ = false;
      route_ = Route::kOther;
      Respond(404, kText, 0, "WebSocket endpoints: /v1/ws, /v1/ingest\n");
      return DoWrite();
    }
    if (worker_.draining()) {
      out_.clear();
      keep_alive_ = false;
      Respond(503, kText, 0, "draining\n");
      return DoWrite();
    }
    // Upgrades are rare: copy the request out of the arena for the handshake.
    const Request& req = parser_->get();
    UpgradeRequest upgrade(req.method(), req.target(), req.version());
    for (const auto& field : req)
      upgrade.insert(field.name_string(), field.value());
    StartWsSession(std::move(socket_), worker_, upgrade, mode);
    // This session ends here; the socket belongs to the WebSocket session.
  }

  enum class Route { kPoll, kIngest, kOther };

  Socket socket_;
  Worker& worker_;
  const config::ServerConfig& config_;
  beast::flat_buffer buffer_;
  // Heap-held so the session object stays small; allocated once per connection.
  std::unique_ptr<RequestArena> arena_ = std::make_unique<RequestArena>();
  std::optional<RequestParser> parser_;
  std::string out_;
  std::string ack_;
  SlicedIngest slicer_;
  Clock::time_point started_{};
  Route route_ = Route::kOther;
  int status_ = 0;
  std::uint64_t seq_ = 0;
  bool keep_alive_ = true;
  bool first_request_ = true;
  bool reading_ = false;
  bool draining_ = false;
  bool registered_ = false;
};

}  // namespace

void StartHttpSession(Socket socket, Worker& worker) {
  std::make_shared<HttpSession>(std::move(socket), worker)->Start();
}

}  // namespace trove::net
