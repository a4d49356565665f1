#include "net/ws_client_protocol.hpp"

#include <algorithm>

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
    : connection_(connection), worker_(worker), config_(worker.context().config) {}

WsClientProtocol::~WsClientProtocol() {
  for (std::uint64_t box : boxes_)
    worker_.UnsubscribeBox(this, box);
  for (const std::string& hunt : hunts_)
    worker_.UnsubscribeHunt(this, hunt);
}

void WsClientProtocol::QueuePush(std::string_view message) {
  if (connection_.closing()) return;
  connection_.Enqueue(message);
}

bool WsClientProtocol::on_message(std::string_view text, TimePoint started) {
  const WsOp op = ParseWsOp(text);
  scratch_.clear();
  switch (op.kind) {
    case WsOp::Kind::kGet:
      get(op.box, started);
      break;
    case WsOp::Kind::kSubscribeBoxes:
      subscribe_boxes(op.boxes);
      break;
    case WsOp::Kind::kSubscribeHunt:
      subscribe_hunt(op.hunt);
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
    case WsOp::Kind::kInvalid:
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
  if (r.found) {
    scratch_ += ",\"seq\":";
    scratch_ += std::to_string(r.version);
    scratch_ += ",\"payload\":";
    scratch_.append(payload, std::min(r.payload_size, max));
    scratch_ += '}';
  } else {
    scratch_ += ",\"error\":\"no such box\",\"code\":404}";
  }
  connection_.Enqueue(scratch_);
  worker_.metrics().CountPoll(Protocol::kWs, r.found ? 200 : 404);
  worker_.metrics().poll_latency[kWs].Observe(NanosSince(started));
}

void WsClientProtocol::subscribe_boxes(std::span<const std::uint64_t> boxes) {
  for (std::uint64_t box : boxes) {
    if (std::find(boxes_.begin(), boxes_.end(), box) != boxes_.end()) continue;
    if (!AllowSubscription()) return;
    boxes_.push_back(box);
    worker_.SubscribeBox(this, box);
  }
  scratch_ = "{\"op\":\"subscribed\",\"boxes\":" + std::to_string(boxes.size()) + "}";
  if (!connection_.Enqueue(scratch_)) return;
  // Their current state, through the same stepped, flow-controlled path as
  // a hunt's: a subscribe to more boxes than the send queue holds must not
  // close the client with 1008.
  snapshot_.AddBoxes(boxes);
  ScheduleSnapshot();
}

void WsClientProtocol::subscribe_hunt(const std::string& hunt) {
  if (std::find(hunts_.begin(), hunts_.end(), hunt) == hunts_.end()) {
    if (!AllowSubscription()) return;
    if (hunts_.size() >= kMaxHuntsPerConnection) {
      scratch_ =
          R"({"op":"error","error":"too many hunt subscriptions on this connection (at most )";
      scratch_ += std::to_string(kMaxHuntsPerConnection) + ")\"}";
      connection_.Enqueue(scratch_);
      return;
    }
    hunts_.push_back(hunt);
    worker_.SubscribeHunt(this, hunt);
  }
  scratch_ = "{\"op\":\"subscribed\",\"hunt\":";
  common::AppendJsonString(scratch_, hunt);
  scratch_ += '}';
  if (!connection_.Enqueue(scratch_)) return;
  // Subscribed first, scanned after: a write from here on is pushed live,
  // and the scan reads each box as it stands when it gets there, so a box's
  // seq never goes backwards on this connection.
  snapshot_.Add(hunt, worker_.context().store.slot_count());
  ScheduleSnapshot();
}

void WsClientProtocol::unsubscribe_boxes(std::span<const std::uint64_t> boxes) {
  for (std::uint64_t box : boxes) {
    auto it = std::find(boxes_.begin(), boxes_.end(), box);
    if (it == boxes_.end()) continue;
    boxes_.erase(it);
    worker_.UnsubscribeBox(this, box);
  }
  snapshot_.RemoveBoxes(boxes);
  connection_.Enqueue(kUnsubscribed);
}

void WsClientProtocol::unsubscribe_hunt(const std::string& hunt) {
  auto it = std::find(hunts_.begin(), hunts_.end(), hunt);
  if (it != hunts_.end()) {
    hunts_.erase(it);
    worker_.UnsubscribeHunt(this, hunt);
  }
  snapshot_.Remove(hunt);
  connection_.Enqueue(kUnsubscribed);
}

void WsClientProtocol::unsubscribe_all() {
  for (std::uint64_t box : boxes_)
    worker_.UnsubscribeBox(this, box);
  for (const std::string& hunt : hunts_)
    worker_.UnsubscribeHunt(this, hunt);
  boxes_.clear();
  hunts_.clear();
  snapshot_.Clear();
  connection_.Enqueue(kUnsubscribed);
}

void WsClientProtocol::reply_invalid(std::string_view error) {
  scratch_ = "{\"op\":\"error\",\"error\":";
  common::AppendJsonString(scratch_, error);
  scratch_ += '}';
  connection_.Enqueue(scratch_);
  worker_.metrics().CountPoll(Protocol::kWs, 400);
}

// A subscriber's lists are bounded like its queue: at most kMaxBoxesPerOp
// boxes and hunts together, of them at most kMaxHuntsPerConnection hunts
// (each hunt is compared with every box a push or a snapshot passes).
bool WsClientProtocol::AllowSubscription() {
  if (boxes_.size() + hunts_.size() < kMaxBoxesPerOp) return true;
  connection_.Enqueue(R"({"op":"error","error":"too many subscriptions on this connection"})");
  return false;
}

// ---- current state of new subscriptions (SubscriptionSnapshot) ----

// A step runs as its own handler, so the worker's other connections get a
// turn between steps (as the ingest protocol's slices do).
void WsClientProtocol::ScheduleSnapshot() {
  if (snapshot_step_ != SnapshotStep::kIdle || !snapshot_.active()) return;
  snapshot_step_ = SnapshotStep::kPosted;
  connection_.post_step<&WsClientProtocol::ContinueSnapshot>();
}

void WsClientProtocol::ContinueSnapshot() {
  snapshot_step_ = SnapshotStep::kIdle;
  if (connection_.closing()) return snapshot_.Clear();
  switch (snapshot_.Step(worker_.context().store, *this)) {
    case SubscriptionSnapshot::Progress::kDone:
      return;
    case SubscriptionSnapshot::Progress::kMore:
      return ScheduleSnapshot();
    case SubscriptionSnapshot::Progress::kBlocked:
      snapshot_step_ = SnapshotStep::kBlocked;
      return;
  }
}

void WsClientProtocol::on_write_done() {
  if (snapshot_step_ == SnapshotStep::kBlocked && connection_.queued() <= SnapshotResumeLevel()) {
    snapshot_step_ = SnapshotStep::kIdle;
    ScheduleSnapshot();
  }
}

// The snapshot's share of the send queue: half, so live pushes keep the
// other half before the slow-consumer bound closes the connection.
std::size_t WsClientProtocol::SnapshotQueueLimit() const {
  return std::max<std::size_t>(1, config_.send_queue_max / 2);
}

// Resume once kSpareBuffers writes have completed: the step then refills
// the queue from the spare buffers those writes returned, with no
// allocation, and one posted step carries that many pushes.
std::size_t WsClientProtocol::SnapshotResumeLevel() const {
  const std::size_t limit = SnapshotQueueLimit();
  return limit > WsSendQueue::kSpareBuffers ? limit - WsSendQueue::kSpareBuffers : 0;
}

bool WsClientProtocol::HasRoom() {
  return !connection_.closing() && connection_.queued() < SnapshotQueueLimit();
}

void WsClientProtocol::Push(const store::BoxView& box) {
  scratch_.clear();
  AppendPush(scratch_, box.id, box.version, box.payload);
  if (connection_.Enqueue(scratch_)) worker_.metrics().ws_pushes.Add();
}

void WsClientProtocol::Synced(std::string_view hunt, std::uint64_t boxes) {
  scratch_.clear();
  AppendSynced(scratch_, hunt, boxes);
  connection_.Enqueue(scratch_);
}

void QueueWsPush(WsClientProtocol& subscriber, std::string_view message) {
  subscriber.QueuePush(message);
}

}  // namespace trove::net
