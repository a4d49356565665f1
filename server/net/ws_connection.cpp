#include "net/ws_connection.hpp"

#include <boost/beast/websocket.hpp>

#include "net/worker.hpp"
#include "net/ws_client_protocol.hpp"
#include "net/ws_ingest_protocol.hpp"

namespace trove::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using Clock = std::chrono::steady_clock;

namespace {
// After sending a close frame, how long the peer gets to answer before the
// socket is closed under it (a slow consumer may never read the close).
constexpr auto kCloseGrace = std::chrono::milliseconds(1000);
constexpr auto kWs = static_cast<std::size_t>(Protocol::kWs);
}  // namespace

template <class P>
WsConnection<P>::WsConnection(Socket socket, Worker& worker)
    : ws_(std::move(socket)),
      worker_(worker),
      config_(worker.context().config),
      native_(config_.ws_engine == "native"),
      reader_(ws::ReaderLimits{P::max_message_bytes(config_)}),
      protocol_(*this, worker) {}

template <class P>
WsConnection<P>::~WsConnection() {
  worker_.metrics().connections_closed[kWs].add();
  worker_.remove_session(this);
}

template <class P>
void WsConnection<P>::start(const UpgradeRequest& upgrade) {
  worker_.add_session(this);
  worker_.metrics().connections_opened[kWs].add();
  ws_.read_message_max(P::max_message_bytes(config_));
  ws_.auto_fragment(false);
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, "trove"); }));
  // Any control frame (the pong to our ping, the peer's own ping) shows the
  // peer is alive; it never moves a half-read message's deadline.
  ws_.control_callback(
      [this](websocket::frame_type, beast::string_view) { heard_since_ping_ = true; });
  set_deadline(deadline_now() + std::chrono::milliseconds(config_.handshake_timeout_ms));
  ws_.async_accept(
      upgrade, [self = this->shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
}

template <class P>
void WsConnection<P>::drain() {
  close_with(websocket::close_code::going_away);
}

template <class P>
void WsConnection<P>::on_deadline() {
  // The peer never answered our close, or a write to it never completed.
  if (closing()) return hard_close();
  if (state_ == State::kHandshaking) {
    worker_.metrics().count_limit(Limit::kHandshakeTimeout);
    return hard_close();
  }
  const TimePoint now = deadline_now();
  if (message_due_ != TimePoint{} && now >= message_due_) {
    worker_.metrics().count_limit(Limit::kMessageTimeout);
    return close_with(websocket::close_code::policy_error);
  }
  if (now >= ping_due_) on_ping_due(now);
  arm_deadline();
}

// A ping goes out every interval whatever the traffic (one small frame per
// connection per interval); a peer that sent nothing at all since the last
// one is gone or stuck, and its connection would otherwise be held forever.
template <class P>
void WsConnection<P>::on_ping_due(TimePoint now) {
  if (!heard_since_ping_) {
    worker_.metrics().count_limit(Limit::kPingTimeout);
    return close_with(websocket::close_code::going_away);
  }
  ping_due_ = now + std::chrono::seconds(config_.ws_ping_interval_s);
  // The last ping still waits behind a write; the peer has been heard from,
  // so this round needs no second one.
  if (ping_in_flight_) return;
  heard_since_ping_ = false;
  send_ping();
}

template <class P>
void WsConnection<P>::send_ping() {
  if (native_) return native_ping();
  ping_in_flight_ = true;
  ws_.async_ping({}, [self = this->shared_from_this()](beast::error_code) {
    // A failed ping means the socket is gone; the read loop sees that too.
    self->ping_in_flight_ = false;
  });
}

// The session's one deadline slot holds the earlier of the next ping and a
// half-read message's end; while closing it holds the close grace instead.
template <class P>
void WsConnection<P>::arm_deadline() {
  if (closing()) return;
  TimePoint due = ping_due_;
  if (message_due_ != TimePoint{} && message_due_ < due) due = message_due_;
  set_deadline(due);
}

template <class P>
void WsConnection<P>::on_accept(beast::error_code ec) {
  if (state_ == State::kHandshaking) state_ = State::kOpen;
  // Happens when the upgrade request is not a valid handshake or the
  // sweeper closed a slow handshake.
  if (ec) return hard_close();
  if (worker_.draining()) return close_with(websocket::close_code::going_away);
  ping_due_ = deadline_now() + std::chrono::seconds(config_.ws_ping_interval_s);
  arm_deadline();
  protocol_.on_open();
  if (native_) return native_read();
  do_read();
}

// Reads a message part by part (read_some), so the connection knows when a
// message has begun and can hold it to its completion deadline.
template <class P>
void WsConnection<P>::do_read() {
  ws_.async_read_some(
      in_, ws_.read_size_hint(in_),
      [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
}

template <class P>
void WsConnection<P>::on_message_part() {
  if (message_due_ == TimePoint{}) {
    message_due_ = deadline_now() + std::chrono::milliseconds(config_.ws_message_timeout_ms);
    arm_deadline();
  }
  do_read();
}

template <class P>
void WsConnection<P>::on_read(beast::error_code ec) {
  // Happens when the peer closed (normally or not) or we closed the socket.
  if (ec == websocket::error::closed || ec == asio::error::operation_aborted) return;
  // Happens when a message exceeds max_ws_message_bytes; Beast has already
  // sent close 1009 (message too big).
  if (ec == websocket::error::message_too_big) {
    worker_.metrics().count_limit(Limit::kFrameSize);
    if (!closing()) state_ = State::kClosing;
    set_deadline(deadline_now() + kCloseGrace);
    return;
  }
  // Happens when the connection broke (reset, a protocol violation).
  if (ec) return hard_close();
  heard_since_ping_ = true;
  if (!ws_.is_message_done()) return on_message_part();
  if (message_due_ != TimePoint{}) {
    message_due_ = {};
    arm_deadline();
  }
  // Closing: ignore what arrives and keep reading for the close reply.
  if (closing()) return finish_message();
  const auto started = Clock::now();
  const std::string_view text(static_cast<const char*>(in_.data().data()), in_.size());
  if (protocol_.on_message(text, started)) finish_message();
}

template <class P>
void WsConnection<P>::finish_message() {
  if (native_) {
    // Called within on_message, or later once a sliced ingest completes:
    // then the frames after it in the read buffer are handled now.
    message_pending_ = false;
    if (!processing_) native_process();
    return;
  }
  in_.consume(in_.size());
  // Request/response: the reply (or ack) is being written, and the peer
  // sends its next message only after reading it. Reading now would make
  // one recv that finds nothing (EAGAIN) per message; read once the write
  // completes instead. The wait is bounded by one write, so pings, closes
  // and unsubscribes are still read promptly.
  if (writing_) {
    read_after_write_ = true;
  } else {
    do_read();
  }
}

template <class P>
bool WsConnection<P>::enqueue(std::string_view message, bool in_flight) {
  if (closing() && !(in_flight && state_ == State::kClosing)) return false;
  if (queue_.size() >= config_.send_queue_max) {
    worker_.metrics().count_limit(Limit::kSendQueue);
    close_with(websocket::close_code::policy_error);
    return false;
  }
  queue_.push(message);
  // Native: replies produced while a read's frames are handled go out
  // together once they all are.
  if (native_) {
    if (!processing_) native_flush();
  } else if (!writing_) {
    do_write();
  }
  return true;
}

template <class P>
void WsConnection<P>::do_write() {
  writing_ = true;
  ws_.text(true);
  ws_.async_write(
      asio::buffer(queue_.front()),
      [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
}

template <class P>
void WsConnection<P>::on_write(beast::error_code ec) {
  writing_ = false;
  // Happens when the peer went away or the socket was closed under us.
  if (ec) return hard_close();
  queue_.pop();
  if (read_after_write_) {
    // Also while closing: the read loop receives the peer's close reply.
    read_after_write_ = false;
    do_read();
  }
  if (closing()) {
    queue_.clear();
    return start_close();
  }
  protocol_.on_write_done();
  if (!queue_.empty()) do_write();
}

template <class P>
void WsConnection<P>::close_with_reason(std::uint16_t code, std::string_view reason) {
  close_with(websocket::close_reason(static_cast<websocket::close_code>(code), reason));
}

template <class P>
void WsConnection<P>::close_with(const websocket::close_reason& reason) {
  if (closing()) return;
  // No WebSocket yet to send a close frame on.
  if (state_ == State::kHandshaking) return hard_close();
  state_ = State::kClosing;
  close_reason_ = reason;
  set_deadline(deadline_now() + kCloseGrace);
  // A write in flight finishes first (one write at a time); OnWrite then
  // starts the close. A slow consumer whose write never completes is cut
  // by the sweeper after kCloseGrace. A message the protocol is still
  // working on (an ingest frame half-way through its slices) is finished
  // and answered first.
  if (!writing_ && !protocol_.message_in_progress()) start_close();
}

template <class P>
void WsConnection<P>::start_close() {
  if (state_ != State::kClosing) return;
  if (native_) return native_start_close();
  state_ = State::kCloseSent;
  ws_.async_close(close_reason_, [self = this->shared_from_this()](beast::error_code) {
    // The close handshake completed (or failed); the read loop ends too.
  });
}

template <class P>
void WsConnection<P>::hard_close() {
  set_deadline({});
  state_ = State::kClosed;
  boost::system::error_code ignored;
  auto& socket = beast::get_lowest_layer(ws_);
  socket.shutdown(Socket::shutdown_both, ignored);
  socket.close(ignored);
}

}  // namespace trove::net

#include "net/ws_connection_native.hpp"

namespace trove::net {

template class WsConnection<WsClientProtocol>;
template class WsConnection<WsIngestProtocol>;

void start_ws_session(Socket socket, Worker& worker, const UpgradeRequest& upgrade, WsMode mode,
                      std::optional<auth::TokenClaims> claims, PeerSlot peer) {
  if (mode == WsMode::kIngest || mode == WsMode::kIngestDurable) {
    auto connection = std::make_shared<WsConnection<WsIngestProtocol>>(std::move(socket), worker);
    connection->protocol().set_ack(mode == WsMode::kIngestDurable ? AckMode::kDurable
                                                                  : AckMode::kMemory);
    connection->hold(std::move(peer));
    connection->start(upgrade);
  } else {
    auto connection = std::make_shared<WsConnection<WsClientProtocol>>(std::move(socket), worker);
    if (claims) connection->protocol().grant(std::move(*claims));
    connection->hold(std::move(peer));
    connection->start(upgrade);
  }
}

}  // namespace trove::net
