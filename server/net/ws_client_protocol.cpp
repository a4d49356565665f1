#include "net/ws_client_protocol.hpp"

#include <algorithm>

#include "auth/client_auth.hpp"
#include "net/poll_protocol.hpp"
#include "net/worker.hpp"
#include "net/ws_connection.hpp"
#include "trove/common/json.hpp"

namespace trove::net {

namespace {
// The poll counters and latency histograms are indexed by Protocol: [1] is WebSocket.
constexpr auto kWs = static_cast<std::size_t>(Protocol::kWs);
constexpr std::string_view kUnsubscribed = R"({"op":"unsubscribed"})";
}  // namespace

WsClientProtocol::WsClientProtocol(Connection& connection, Worker& worker)
    : connection_(connection),
      worker_(worker),
      config_(worker.context().config),
      auth_timer_(worker.ioc()) {}

WsClientProtocol::~WsClientProtocol() {
  for (std::uint64_t box : boxes_)
    worker_.unsubscribe_box(this, box);
  for (const std::string& hunt : hunts_)
    worker_.unsubscribe_hunt(this, hunt);
}

std::uint64_t WsClientProtocol::max_message_bytes(const config::ServerConfig& config) noexcept {
  return config.max_ws_client_message_bytes;
}

void WsClientProtocol::queue_push(std::string_view message, std::string_view hunt) {
  if (connection_.closing() || !in_scope(hunt)) return;
  connection_.enqueue(message);
}

bool WsClientProtocol::on_message(std::string_view text, TimePoint started) {
  const WsOp op = parse_ws_op(text);
  scratch_.clear();
  if (op.kind == WsOp::Kind::kAuth) {
    authenticate(op.token);
    return true;
  }
  if (auth_required() && !claims_) {
    connection_.close_with_reason(kCloseUnauthenticated, "authenticate first: op auth");
    return true;
  }
  switch (op.kind) {
    case WsOp::Kind::kGet:
      get(op.box, started);
      break;
    case WsOp::Kind::kSubscribeBoxes:
      subscribe_boxes(op);
      break;
    case WsOp::Kind::kSubscribeHunt:
      subscribe_hunt(op);
      break;
    case WsOp::Kind::kUnsubscribeBoxes:
      unsubscribe_boxes(op.boxes);
      break;
    case WsOp::Kind::kUnsubscribeHunt:
      unsubscribe_hunt(op.hunt);
      break;
    case WsOp::Kind::kUnsubscribeAll:
      unsubscribe_all();
      break;
    case WsOp::Kind::kPing:
      append_pong(scratch_, op.ping_id);
      connection_.enqueue(scratch_);
      break;
    case WsOp::Kind::kInvalid:
    case WsOp::Kind::kAuth:
      reply_invalid(op.error);
      break;
  }
  return true;
}

void WsClientProtocol::get(std::uint64_t box, TimePoint started) {
  auto& store = worker_.context().store;
  char payload[store::kPayloadMaxLimit];
  const std::size_t max = store.payload_max();
  const store::ReadResult r = store.read(box, std::span<char>(payload, max));
  scratch_ += "{\"op\":\"get\",\"box\":";
  scratch_ += std::to_string(box);
  if (r.found && !box_in_scope(box)) {
    scratch_ += R"(,"error":"the token does not grant this box's hunt","code":403})";
    connection_.enqueue(scratch_);
    worker_.metrics().count_poll(Protocol::kWs, 403);
    return;
  }
  if (r.found) {
    scratch_ += ",\"seq\":";
    scratch_ += std::to_string(r.version);
    scratch_ += ",\"boot\":\"";
    append_incarnation(scratch_, store.incarnation());
    scratch_ += '"';
    scratch_ += ",\"payload\":";
    scratch_.append(payload, std::min(r.payload_size, max));
    scratch_ += '}';
  } else {
    scratch_ += ",\"error\":\"no such box\",\"code\":404}";
  }
  connection_.enqueue(scratch_);
  worker_.metrics().count_poll(Protocol::kWs, r.found ? 200 : 404);
  worker_.metrics().poll_latency[kWs].observe(nanos_since(started));
}

void WsClientProtocol::subscribe_boxes(const WsOp& op) {
  const std::span<const std::uint64_t> boxes = boxes_in_scope(op.boxes);
  changed_.clear();
  bool refused = false;
  for (std::uint64_t box : boxes) {
    if (boxes_.contains(box)) continue;
    if (!allow_subscription()) {
      refused = true;  // the error went out instead of subscribed
      break;
    }
    boxes_.insert(box);
    changed_.push_back(box);
  }
  worker_.subscribe_boxes(this, changed_);
  if (refused) return;
  scratch_ = "{\"op\":\"subscribed\",\"boxes\":" + std::to_string(boxes.size()) + "}";
  if (!connection_.enqueue(scratch_)) return;
  // Their current state, through the same stepped, flow-controlled path as
  // a hunt's: a subscribe to more boxes than the send queue holds must not
  // close the client with 1008. Versions held count only in the
  // incarnation they belong to (docs/api.md, Recovery).
  const bool recovered = op.has_position && op.boot == worker_.context().store.incarnation();
  snapshot_.add_boxes(boxes, recovered ? versions_of(op, boxes) : std::span<const std::uint64_t>{},
                      op.has_position, recovered);
  schedule_snapshot();
}

std::span<const std::uint64_t> WsClientProtocol::versions_of(const WsOp& op,
                                                             std::span<const std::uint64_t> boxes) {
  if (boxes.size() == op.boxes.size()) return op.versions;
  // A token's scope dropped some boxes: both lists keep the request's order.
  versions_.clear();
  std::size_t i = 0;
  for (std::uint64_t box : boxes) {
    while (op.boxes[i] != box)
      ++i;
    versions_.push_back(op.versions[i]);
  }
  return versions_;
}

void WsClientProtocol::subscribe_hunt(const WsOp& op) {
  const std::string& hunt = op.hunt;
  if (!in_scope(hunt)) return reply_out_of_scope(hunt);
  HuntSync sync;
  if (std::string error; !decide_sync(op, sync, error)) return reply_invalid(error);
  if (std::find(hunts_.begin(), hunts_.end(), hunt) == hunts_.end()) {
    if (!allow_subscription()) return;
    if (hunts_.size() >= kMaxHuntsPerConnection) {
      scratch_ =
          R"({"op":"error","error":"too many hunt subscriptions on this connection (at most )";
      scratch_ += std::to_string(kMaxHuntsPerConnection) + ")\"}";
      connection_.enqueue(scratch_);
      return;
    }
    hunts_.push_back(hunt);
    worker_.subscribe_hunt(this, hunt);
  }
  // Subscribed first, position and scan after: a change from here on is
  // pushed live or lies above the position the marker hands out, and the
  // scan reads each box as it stands when it gets there, so a box's seq
  // never goes backwards on this connection.
  sync.position = worker_.context().changes.position();
  scratch_ = "{\"op\":\"subscribed\",\"hunt\":";
  common::append_json_string(scratch_, hunt);
  scratch_ += ",\"sync\":\"";
  scratch_ += to_string(sync.recover ? SyncMode::kRecovered : SyncMode::kFull);
  scratch_ += "\"}";
  if (!connection_.enqueue(scratch_)) return;
  snapshot_.add(hunt, worker_.context().store.slot_count(), sync);
  schedule_snapshot();
}

// Recovered when the position is of this incarnation and of this process
// (docs/api.md, Recovery); else the whole state. A position ahead of the
// server's is refused: no server handed it out.
bool WsClientProtocol::decide_sync(const WsOp& op, HuntSync& sync, std::string& error) {
  if (!op.has_position || op.boot != worker_.context().store.incarnation()) return true;
  const ChangeFeed& changes = worker_.context().changes;
  if (op.since < changes.base()) return true;  // a previous process's position
  const std::uint64_t position = worker_.context().changes.position();
  if (op.since > position) {
    error = "\"since\" is ahead of this server's hunt position " + std::to_string(position) +
            ": not a position this server handed out";
    return false;
  }
  sync.recover = true;
  sync.since = op.since;
  return true;
}

void WsClientProtocol::unsubscribe_boxes(std::span<const std::uint64_t> boxes) {
  changed_.clear();
  for (std::uint64_t box : boxes) {
    if (boxes_.erase(box) != 0) changed_.push_back(box);
  }
  worker_.unsubscribe_boxes(this, changed_);
  snapshot_.remove_boxes(boxes);
  connection_.enqueue(kUnsubscribed);
}

void WsClientProtocol::unsubscribe_hunt(const std::string& hunt) {
  auto it = std::find(hunts_.begin(), hunts_.end(), hunt);
  if (it != hunts_.end()) {
    hunts_.erase(it);
    worker_.unsubscribe_hunt(this, hunt);
  }
  snapshot_.remove(hunt);
  connection_.enqueue(kUnsubscribed);
}

void WsClientProtocol::unsubscribe_all() {
  for (std::uint64_t box : boxes_)
    worker_.unsubscribe_box(this, box);
  for (const std::string& hunt : hunts_)
    worker_.unsubscribe_hunt(this, hunt);
  boxes_.clear();
  hunts_.clear();
  snapshot_.clear();
  connection_.enqueue(kUnsubscribed);
}

void WsClientProtocol::reply_invalid(std::string_view error) {
  scratch_ = "{\"op\":\"error\",\"error\":";
  common::append_json_string(scratch_, error);
  scratch_ += '}';
  connection_.enqueue(scratch_);
  worker_.metrics().count_poll(Protocol::kWs, 400);
}

// A subscriber's lists are bounded like its queue: at most kMaxBoxesPerOp
// boxes and hunts together, of them at most kMaxHuntsPerConnection hunts
// (each hunt is compared with every box a push or a snapshot passes).
bool WsClientProtocol::allow_subscription() {
  if (boxes_.size() + hunts_.size() < kMaxBoxesPerOp) return true;
  connection_.enqueue(R"({"op":"error","error":"too many subscriptions on this connection"})");
  return false;
}

// ---- current state of new subscriptions (SubscriptionSnapshot) ----

// A step runs as its own handler, so the worker's other connections get a
// turn between steps (as the ingest protocol's slices do).
void WsClientProtocol::schedule_snapshot() {
  if (snapshot_step_ != SnapshotStep::kIdle || !snapshot_.active()) return;
  snapshot_step_ = SnapshotStep::kPosted;
  connection_.post_step<&WsClientProtocol::continue_snapshot>();
}

void WsClientProtocol::continue_snapshot() {
  snapshot_step_ = SnapshotStep::kIdle;
  if (connection_.closing()) return snapshot_.clear();
  switch (snapshot_.step(worker_.context().store, *this)) {
    case SubscriptionSnapshot::Progress::kDone:
      return;
    case SubscriptionSnapshot::Progress::kMore:
      return schedule_snapshot();
    case SubscriptionSnapshot::Progress::kBlocked:
      snapshot_step_ = SnapshotStep::kBlocked;
      return;
  }
}

void WsClientProtocol::on_write_done() {
  if (snapshot_step_ == SnapshotStep::kBlocked && connection_.queued() <= snapshot_resume_level()) {
    snapshot_step_ = SnapshotStep::kIdle;
    schedule_snapshot();
  }
}

// The snapshot's share of the send queue: half, so live pushes keep the
// other half before the slow-consumer bound closes the connection.
std::size_t WsClientProtocol::snapshot_queue_limit() const {
  return std::max<std::size_t>(1, config_.send_queue_max / 2);
}

// Resume once kSpareBuffers writes have completed: the step then refills
// the queue from the spare buffers those writes returned, with no
// allocation, and one posted step carries that many pushes.
std::size_t WsClientProtocol::snapshot_resume_level() const {
  const std::size_t limit = snapshot_queue_limit();
  return limit > WsSendQueue::kSpareBuffers ? limit - WsSendQueue::kSpareBuffers : 0;
}

bool WsClientProtocol::has_room() {
  return !connection_.closing() && connection_.queued() < snapshot_queue_limit();
}

void WsClientProtocol::push(const store::BoxView& box) {
  if (!in_scope(box.hunt)) return;
  scratch_.clear();
  append_push(scratch_, box.id, {worker_.context().store.incarnation(), box.version}, box.payload);
  if (connection_.enqueue(scratch_)) worker_.metrics().ws_pushes.add();
}

void WsClientProtocol::synced(std::string_view hunt, std::uint64_t boxes, const HuntSync& sync) {
  scratch_.clear();
  append_synced(scratch_, {hunt, boxes, sync.recover ? SyncMode::kRecovered : SyncMode::kFull,
                           worker_.context().store.incarnation(), sync.position});
  connection_.enqueue(scratch_);
}

void WsClientProtocol::boxes_synced(std::uint64_t pushes, bool recovered) {
  scratch_.clear();
  append_boxes_synced(scratch_, pushes, recovered ? SyncMode::kRecovered : SyncMode::kFull,
                      worker_.context().store.incarnation());
  connection_.enqueue(scratch_);
}

void queue_ws_push(WsClientProtocol& subscriber, std::string_view message, std::string_view hunt) {
  subscriber.queue_push(message, hunt);
}

}  // namespace trove::net
