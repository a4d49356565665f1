// WebSocket sessions: /v1/ingest (NDJSON per text frame, an ack per frame)
// and /v1/ws (get, subscribe, unsubscribe; pushes). Every outgoing message
// goes through one bounded queue per connection: a client that falls behind
// by more than send_queue_max messages is closed with 1008 (docs/design.md, Slow
// consumers), so no client can make the server hold memory without bound.
// The current state a new subscription is owed (SubscriptionSnapshot) fills
// at most half of that queue and waits for the client, so it never trips the
// bound itself.
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>

#include "net/poll_protocol.hpp"
#include "net/sessions.hpp"
#include "net/subscription_snapshot.hpp"
#include "net/worker.hpp"
#include "net/ws_upgrade.hpp"
#include "trove/common/json.hpp"

namespace trove::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {
// After sending a close frame, how long the peer gets to answer before the
// socket is closed under it (a slow consumer may never read the close).
constexpr auto kCloseGrace = std::chrono::milliseconds(1000);
// Spare message buffers kept for reuse; beyond this they are freed.
constexpr std::size_t kSpareBuffers = 16;
}  // namespace

class WsSession final : public Session,
                        public std::enable_shared_from_this<WsSession>,
                        private SnapshotSink {
 public:
  WsSession(Socket socket, Worker& worker, WsMode mode)
      : ws_(std::move(socket)), worker_(worker), config_(worker.context().config), mode_(mode) {}

  ~WsSession() override {
    for (std::uint64_t box : boxes_)
      worker_.UnsubscribeBox(this, box);
    for (const std::string& hunt : hunts_)
      worker_.UnsubscribeHunt(this, hunt);
    worker_.metrics().connections_closed[static_cast<std::size_t>(Protocol::kWs)].Add();
    if (mode_ == WsMode::kIngest) worker_.RemoveIngestSession();
    worker_.Unregister(this);
  }

  // Beast reads the upgrade request only while initiating the accept (it
  // builds the response there), so a reference to the caller's is enough.
  void Start(const http::request<http::string_body>& upgrade) {
    worker_.Register(this);
    if (mode_ == WsMode::kIngest) worker_.AddIngestSession();
    worker_.metrics().connections_opened[static_cast<std::size_t>(Protocol::kWs)].Add();
    ws_.read_message_max(config_.max_ws_message_bytes);
    ws_.auto_fragment(false);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "trove"); }));
    // Pings from the client count as activity.
    ws_.control_callback([this](websocket::frame_type, beast::string_view) { Touch(); });
    set_deadline(DeadlineNow() + std::chrono::milliseconds(config_.handshake_timeout_ms));
    handshaking_ = true;
    ws_.async_accept(upgrade,
                     [self = shared_from_this()](beast::error_code ec) { self->OnAccept(ec); });
  }

  void Drain() override { CloseWith(websocket::close_code::going_away); }

  void OnDeadline() override {
    if (closing_) return HardClose();  // the peer never answered our close
    worker_.metrics().CountLimit(handshaking_ ? Limit::kHandshakeTimeout : Limit::kIdleTimeout);
    if (handshaking_) return HardClose();
    CloseWith(websocket::close_code::going_away);
  }

  void QueuePush(std::string_view message) {
    if (closing_) return;
    Enqueue(message);
  }

 private:
  void Touch() {
    if (!closing_ && !handshaking_) {
      set_deadline(DeadlineNow() + std::chrono::milliseconds(config_.idle_timeout_ms));
    }
  }

  void OnAccept(beast::error_code ec) {
    handshaking_ = false;
    // Happens when the upgrade request is not a valid handshake or the
    // sweeper closed a slow handshake.
    if (ec) return HardClose();
    if (worker_.draining()) return CloseWith(websocket::close_code::going_away);
    Touch();
    DoRead();
  }

  void DoRead() {
    ws_.async_read(
        in_, [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    // Happens when the peer closed (normally or not) or we closed the socket.
    if (ec == websocket::error::closed || ec == asio::error::operation_aborted) return;
    if (ec == websocket::error::message_too_big) {
      // Beast has already sent close 1009 (message too big).
      worker_.metrics().CountLimit(Limit::kFrameSize);
      closing_ = true;
      set_deadline(DeadlineNow() + kCloseGrace);
      return;
    }
    if (ec) return HardClose();
    Touch();
    const auto started = Clock::now();
    const std::string_view text(static_cast<const char*>(in_.data().data()), in_.size());
    if (closing_) {
      // Draining: ignore what arrives and keep reading for the close reply.
    } else if (mode_ == WsMode::kIngest) {
      ingest_started_ = started;
      slicer_.Start(text);
      return ContinueIngest();  // finishes the message when the batch is done
    } else {
      HandleOp(text, started);
    }
    FinishMessage();
  }

  void FinishMessage() {
    in_.consume(in_.size());
    // Request/response: the reply (or ack) is being written, and the peer
    // sends its next message only after reading it. Reading now would make
    // one recv that finds nothing (EAGAIN) per message; read once the write
    // completes instead. The wait is bounded by one write, so pings, closes
    // and unsubscribes are still read promptly.
    if (writing_) {
      read_after_write_ = true;
    } else {
      DoRead();
    }
  }

  static std::uint64_t NanosSince(Clock::time_point t0) {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count());
  }

  // Alone on the worker, a frame is ingested in one go; with other
  // connections there, in slices with a turn for them in between (the frame
  // stays in in_, unread past, until its last slice).
  void ContinueIngest() {
    if (!worker_.IngestSome(slicer_)) {
      asio::post(ws_.get_executor(), [self = shared_from_this()] { self->ContinueIngest(); });
      return;
    }
    scratch_.clear();
    AppendIngestAck(scratch_, ++seq_, slicer_.result());
    // The frame was in flight: it is acknowledged even if a drain began
    // meanwhile (CloseWith waits for it).
    Enqueue(scratch_, /*in_flight=*/true);
    worker_.metrics().ingest_latency[1].Observe(NanosSince(ingest_started_));
    FinishMessage();
  }

  void HandleOp(std::string_view text, Clock::time_point started) {
    WsOp op = ParseWsOp(text);
    scratch_.clear();
    switch (op.kind) {
      case WsOp::Kind::kGet: {
        auto& store = worker_.context().store;
        char payload[store::kPayloadMaxLimit];
        const std::size_t max = store.payload_max();
        const store::ReadResult r = store.read(op.box, std::span<char>(payload, max));
        scratch_ += "{\"op\":\"get\",\"box\":";
        scratch_ += std::to_string(op.box);
        if (r.found) {
          scratch_ += ",\"seq\":";
          scratch_ += std::to_string(r.version);
          scratch_ += ",\"payload\":";
          scratch_.append(payload, std::min(r.payload_size, max));
          scratch_ += '}';
        } else {
          scratch_ += ",\"error\":\"no such box\",\"code\":404}";
        }
        Enqueue(scratch_);
        worker_.metrics().CountPoll(Protocol::kWs, r.found ? 200 : 404);
        worker_.metrics().poll_latency[1].Observe(NanosSince(started));
        return;
      }
      case WsOp::Kind::kSubscribeBoxes:
        for (std::uint64_t box : op.boxes) {
          if (std::find(boxes_.begin(), boxes_.end(), box) != boxes_.end()) continue;
          if (!AllowSubscription()) return;
          boxes_.push_back(box);
          worker_.SubscribeBox(this, box);
        }
        scratch_ = "{\"op\":\"subscribed\",\"boxes\":" + std::to_string(op.boxes.size()) + "}";
        if (!Enqueue(scratch_)) return;
        // Their current state, through the same stepped, flow-controlled
        // path as a hunt's: a subscribe to more boxes than the send queue
        // holds must not close the client with 1008.
        snapshot_.AddBoxes(op.boxes);
        ScheduleSnapshot();
        return;
      case WsOp::Kind::kSubscribeHunt:
        if (std::find(hunts_.begin(), hunts_.end(), op.hunt) == hunts_.end()) {
          if (!AllowSubscription()) return;
          if (hunts_.size() >= kMaxHuntsPerConnection) {
            scratch_ =
                R"({"op":"error","error":"too many hunt subscriptions on this connection (at most )";
            scratch_ += std::to_string(kMaxHuntsPerConnection) + ")\"}";
            Enqueue(scratch_);
            return;
          }
          hunts_.push_back(op.hunt);
          worker_.SubscribeHunt(this, op.hunt);
        }
        scratch_ = "{\"op\":\"subscribed\",\"hunt\":";
        common::AppendJsonString(scratch_, op.hunt);
        scratch_ += '}';
        if (!Enqueue(scratch_)) return;
        // Subscribed first, scanned after: a write from here on is pushed
        // live, and the scan reads each box as it stands when it gets there,
        // so a box's seq never goes backwards on this connection.
        snapshot_.Add(op.hunt, worker_.context().store.slot_count());
        ScheduleSnapshot();
        return;
      case WsOp::Kind::kUnsubscribeBoxes:
        for (std::uint64_t box : op.boxes) {
          auto it = std::find(boxes_.begin(), boxes_.end(), box);
          if (it == boxes_.end()) continue;
          boxes_.erase(it);
          worker_.UnsubscribeBox(this, box);
        }
        snapshot_.RemoveBoxes(op.boxes);
        Enqueue("{\"op\":\"unsubscribed\"}");
        return;
      case WsOp::Kind::kUnsubscribeHunt: {
        auto it = std::find(hunts_.begin(), hunts_.end(), op.hunt);
        if (it != hunts_.end()) {
          hunts_.erase(it);
          worker_.UnsubscribeHunt(this, op.hunt);
        }
        snapshot_.Remove(op.hunt);
        Enqueue("{\"op\":\"unsubscribed\"}");
        return;
      }
      case WsOp::Kind::kUnsubscribeAll:
        for (std::uint64_t box : boxes_)
          worker_.UnsubscribeBox(this, box);
        for (const std::string& hunt : hunts_)
          worker_.UnsubscribeHunt(this, hunt);
        boxes_.clear();
        hunts_.clear();
        snapshot_.Clear();
        Enqueue("{\"op\":\"unsubscribed\"}");
        return;
      case WsOp::Kind::kInvalid:
        scratch_ = "{\"op\":\"error\",\"error\":";
        common::AppendJsonString(scratch_, op.error);
        scratch_ += '}';
        Enqueue(scratch_);
        worker_.metrics().CountPoll(Protocol::kWs, 400);
        return;
    }
  }

  // A subscriber's lists are bounded like its queue: at most kMaxBoxesPerOp
  // boxes and hunts together, of them at most kMaxHuntsPerConnection hunts
  // (each hunt is compared with every box a push or a snapshot passes).
  bool AllowSubscription() {
    if (boxes_.size() + hunts_.size() < kMaxBoxesPerOp) return true;
    Enqueue(R"({"op":"error","error":"too many subscriptions on this connection"})");
    return false;
  }

  // ---- current state of new subscriptions (SubscriptionSnapshot) ----

  // A step runs as its own handler, so the worker's other connections get
  // a turn between steps (as ContinueIngest's slices do).
  void ScheduleSnapshot() {
    if (snapshot_posted_ || snapshot_blocked_ || !snapshot_.active()) return;
    snapshot_posted_ = true;
    asio::post(ws_.get_executor(), [self = shared_from_this()] { self->ContinueSnapshot(); });
  }

  void ContinueSnapshot() {
    snapshot_posted_ = false;
    // Closing (drain, 1008, idle, peer gone): nothing more is sent.
    if (closing_) return snapshot_.Clear();
    switch (snapshot_.Step(worker_.context().store, *this)) {
      case SubscriptionSnapshot::Progress::kDone:
        return;
      case SubscriptionSnapshot::Progress::kMore:
        return ScheduleSnapshot();
      case SubscriptionSnapshot::Progress::kBlocked:
        snapshot_blocked_ = true;  // OnWrite resumes it
        return;
    }
  }

  // The snapshot's share of the send queue: half, so live pushes keep the
  // other half before the slow-consumer bound closes the connection.
  std::size_t SnapshotQueueLimit() const {
    return std::max<std::size_t>(1, config_.send_queue_max / 2);
  }

  // Resume once kSpareBuffers writes have completed: the step then refills
  // the queue from the spare buffers those writes returned, with no
  // allocation, and one posted step carries that many pushes.
  std::size_t SnapshotResumeLevel() const {
    const std::size_t limit = SnapshotQueueLimit();
    return limit > kSpareBuffers ? limit - kSpareBuffers : 0;
  }

  bool HasRoom() override { return !closing_ && queue_.size() < SnapshotQueueLimit(); }

  void Push(const store::BoxView& box) override {
    scratch_.clear();
    AppendPush(scratch_, box.id, box.version, box.payload);
    if (Enqueue(scratch_)) worker_.metrics().ws_pushes.Add();
  }

  void Synced(std::string_view hunt, std::uint64_t boxes) override {
    scratch_.clear();
    AppendSynced(scratch_, hunt, boxes);
    Enqueue(scratch_);
  }

  // Copies `message` into a buffer this connection owns. Returns false when
  // the queue bound was hit (the session is then closing with 1008).
  // `in_flight`: the reply to a request that began before a drain.
  bool Enqueue(std::string_view message, bool in_flight = false) {
    if (closing_ && !(in_flight && !close_started_)) return false;
    if (queue_.size() >= config_.send_queue_max) {
      worker_.metrics().CountLimit(Limit::kSendQueue);
      CloseWith(websocket::close_code::policy_error);
      return false;
    }
    std::string buffer;
    if (!spare_.empty()) {
      buffer = std::move(spare_.back());
      spare_.pop_back();
    }
    buffer.assign(message);
    queue_.push_back(std::move(buffer));
    if (!writing_) DoWrite();
    return true;
  }

  void DoWrite() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(
        asio::buffer(queue_.front()),
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnWrite(ec); });
  }

  void OnWrite(beast::error_code ec) {
    writing_ = false;
    // Happens when the peer went away or the socket was closed under us.
    if (ec) return HardClose();
    if (spare_.size() < kSpareBuffers) spare_.push_back(std::move(queue_.front()));
    queue_.pop_front();
    if (read_after_write_) {
      // Also while closing: the read loop receives the peer's close reply.
      read_after_write_ = false;
      DoRead();
    }
    if (closing_) {
      queue_.clear();
      return StartClose();
    }
    Touch();
    if (snapshot_blocked_ && queue_.size() <= SnapshotResumeLevel()) {
      snapshot_blocked_ = false;
      ScheduleSnapshot();
    }
    if (!queue_.empty()) DoWrite();
  }

  void CloseWith(websocket::close_code code) {
    if (closing_) return;
    closing_ = true;
    close_code_ = code;
    set_deadline(DeadlineNow() + kCloseGrace);
    // A write in flight finishes first (one write at a time); OnWrite then
    // starts the close. A slow consumer whose write never completes is cut
    // by the sweeper after kCloseGrace. An ingest frame half-way through
    // its slices finishes and is acknowledged first (ContinueIngest).
    if (!writing_ && !slicer_.active()) StartClose();
  }

  void StartClose() {
    if (close_started_ || handshaking_) {
      if (handshaking_) HardClose();
      return;
    }
    close_started_ = true;
    ws_.async_close(close_code_, [self = shared_from_this()](beast::error_code) {
      // The close handshake completed (or failed); the read loop ends too.
    });
  }

  void HardClose() {
    set_deadline({});
    closing_ = true;
    boost::system::error_code ignored;
    auto& socket = beast::get_lowest_layer(ws_);
    socket.shutdown(Socket::shutdown_both, ignored);
    socket.close(ignored);
  }

  websocket::stream<Socket> ws_;
  Worker& worker_;
  const config::ServerConfig& config_;
  WsMode mode_;
  beast::flat_buffer in_;
  std::deque<std::string> queue_;
  std::vector<std::string> spare_;
  std::string scratch_;
  SlicedIngest slicer_;
  SubscriptionSnapshot snapshot_;
  bool snapshot_posted_ = false;   // a ContinueSnapshot is queued
  bool snapshot_blocked_ = false;  // no room in the queue: OnWrite resumes it
  Clock::time_point ingest_started_{};
  std::vector<std::uint64_t> boxes_;
  std::vector<std::string> hunts_;
  std::uint64_t seq_ = 0;
  websocket::close_code close_code_ = websocket::close_code::normal;
  bool writing_ = false;
  bool read_after_write_ = false;  // OnRead deferred the next read to OnWrite
  bool closing_ = false;
  bool close_started_ = false;
  bool handshaking_ = false;
};

void StartWsSession(Socket socket, Worker& worker, const http::request<http::string_body>& upgrade,
                    WsMode mode) {
  std::make_shared<WsSession>(std::move(socket), worker, mode)->Start(upgrade);
}

void QueueWsPush(WsSession& session, std::string_view message) {
  session.QueuePush(message);
}

}  // namespace trove::net
