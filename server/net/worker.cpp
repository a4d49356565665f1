#include "net/worker.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/detail/socket_option.hpp>
#include <boost/asio/post.hpp>

#include "net/poll_protocol.hpp"
#include "net/purge_scheduler.hpp"
#include "net/sessions.hpp"

namespace trove::net {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {
// The sweeper's period bounds how late a timeout fires; 50 ms is well under
// the smallest configurable timeout (100 ms).
constexpr auto kSweepPeriod = std::chrono::milliseconds(50);
// Largest box payload read for a push (the store's hard limit).
constexpr std::size_t kPushPayloadMax = store::kPayloadMaxLimit;
}  // namespace

Worker::Worker(unsigned index, ServerContext& context)
    : index_(index), context_(context), epoch_millis_(context.tuning.Get().epoch_millis) {
  const Tuning tuning = context.tuning.Get();
  memory::EpochArenaConfig arena_config;
  arena_config.capacity_bytes = tuning.arena_bytes;
  arena_ = std::make_unique<memory::EpochArena>(arena_config);
  ingest::IngestConfig ingest_config;
  ingest_config.strategy = context.strategy;
  pipeline_ = std::make_unique<ingest::IngestPipeline>(context.store, arena_.get(), ingest_config);
  pipeline_->set_observer(
      [this](std::uint64_t box, std::string_view, std::uint64_t) { stored_.push_back(box); });
  stored_.reserve(4096);
  dirty_.reserve(4096);
  tuning_changes_seen_ = context.tuning.changes();
}

Worker::~Worker() {
  Stop();
  Join();
}

std::uint16_t Worker::Listen(const std::string& address, std::uint16_t port) {
  tcp::endpoint endpoint(asio::ip::make_address(address), port);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  // Every worker binds the same port; the kernel spreads connections.
  acceptor_.set_option(asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  return acceptor_.local_endpoint().port();
}

void Worker::Start() {
  DoAccept();
  next_epoch_ = Clock::now();
  ArmEpochTimer();
  ArmSweepTimer();
  thread_ = std::thread([this] { Run(); });
}

void Worker::Run() {
  const std::uint64_t busy_us = context_.config.busy_poll_us;
  if (busy_us == 0) {
    ioc_.run();
    return;
  }
  // Busy-poll: spin on poll() for up to busy_us after the last handler ran,
  // then sleep in run_one(). Trades a core's idle time for wake-up latency.
  auto work = asio::make_work_guard(ioc_);
  const auto spin = std::chrono::microseconds(busy_us);
  auto last_work = Clock::now();
  while (!ioc_.stopped()) {
    if (ioc_.poll() > 0) {
      last_work = Clock::now();
    } else if (Clock::now() - last_work > spin) {
      ioc_.run_one();
      last_work = Clock::now();
    }
  }
}

void Worker::DoAccept() {
  acceptor_.async_accept([this](boost::system::error_code ec, Socket socket) {
    // Happens when Drain() closes the acceptor.
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) {
      const std::uint64_t max = context_.config.max_connections;
      if (context_.open_connections.load(std::memory_order_relaxed) >= max) {
        // Over the limit: answer 503 and close, rather than queue without bound.
        static constexpr std::string_view kFull =
            "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
        boost::system::error_code ignored;
        socket.non_blocking(true, ignored);
        socket.write_some(asio::buffer(kFull.data(), kFull.size()), ignored);
        socket.close(ignored);
        metrics_.connections_rejected[static_cast<std::size_t>(RejectReason::kMaxConnections)]
            .Add();
      } else {
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        StartHttpSession(std::move(socket), *this);
      }
    }
    DoAccept();
  });
}

void Worker::Register(Session* s) {
  if (sweep_parked_) {
    sweep_parked_ = false;
    ArmSweepTimer();
  }
  sessions_.insert(s);
  deadlines_.Add(s);
  open_sessions_.fetch_add(1, std::memory_order_acq_rel);
  context_.open_connections.fetch_add(1, std::memory_order_relaxed);
}

void Worker::Unregister(Session* s) {
  deadlines_.Remove(s);
  sessions_.erase(s);
  open_sessions_.fetch_sub(1, std::memory_order_acq_rel);
  context_.open_connections.fetch_sub(1, std::memory_order_relaxed);
}

void Worker::Drain() {
  asio::post(ioc_, [this] {
    draining_ = true;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    listener_closed_.store(true, std::memory_order_release);
    // Copy: a session may unregister while draining.
    std::vector<Session*> open(sessions_.begin(), sessions_.end());
    for (Session* s : open)
      s->Drain();
  });
}

void Worker::Stop() {
  ioc_.stop();
}

void Worker::Join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::ArmEpochTimer() {
  next_epoch_ += std::chrono::milliseconds(epoch_millis_);
  const auto now = Clock::now();
  // Fell behind (a long batch): restart the cadence from now, no catch-up burst.
  if (next_epoch_ < now) next_epoch_ = now + std::chrono::milliseconds(epoch_millis_);
  epoch_timer_.expires_at(next_epoch_);
  epoch_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;  // Happens at shutdown.
    OnEpochTick();
  });
}

void Worker::OnEpochTick() {
  // Tuning takes effect here, at the boundary: the capacity at this reset,
  // the length for the next epoch. Connections are untouched.
  const std::uint64_t changes = context_.tuning.changes();
  if (changes != tuning_changes_seen_) {
    tuning_changes_seen_ = changes;
    const Tuning t = context_.tuning.Get();
    arena_->set_capacity(t.arena_bytes);
    epoch_millis_ = t.epoch_millis;
  }
  const bool empty = arena_->used_bytes() == 0;
  std::size_t trimmed = 0;
  const auto t0 = Clock::now();
  if (arena_->reset()) {
    metrics_.reset_duration.Observe(NanosSince(t0));
    metrics_.epoch_resets.Add();
    // Paced purge: a bounded number of chunks per tick, purged off-thread.
    trimmed = arena_->trim();
    if (trimmed > 0) context_.purge.Request(arena_->jemalloc_index());
  }
  empty_epochs_ = empty ? empty_epochs_ + 1 : 0;
  // A whole high-water window of empty epochs and nothing trimmed: the
  // window holds only zeros and the arena is at its floor, so further ticks
  // would record zeros and trim nothing. Sleep until ingest or a tuning
  // change (applied at the first tick after it).
  if (trimmed == 0 && empty_epochs_ >= arena_->config().high_water_epochs) {
    epoch_parked_ = true;
    return;
  }
  ArmEpochTimer();
}

void Worker::UnparkEpoch() {
  epoch_parked_ = false;
  empty_epochs_ = 0;
  next_epoch_ = Clock::now();
  ArmEpochTimer();
}

void Worker::TuningChanged() {
  asio::post(ioc_, [this] {
    if (epoch_parked_) UnparkEpoch();
  });
}

void Worker::ArmSweepTimer() {
  sweep_timer_.expires_after(kSweepPeriod);
  sweep_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;  // Happens at shutdown.
    std::vector<Session*>& expired = expired_;
    expired.clear();
    deadlines_.CollectExpired(Clock::now(), expired);
    // OnDeadline only closes sockets (completions are posted), so no
    // session is destroyed inside this loop; the membership check guards
    // against one that would be.
    for (Session* s : expired) {
      if (sessions_.count(s) != 0) s->OnDeadline();
    }
    if (sessions_.empty()) {
      sweep_parked_ = true;  // until the next Register
      return;
    }
    ArmSweepTimer();
  });
}

template <class Map, class Key>
static void AddSubscriber(Map& map, const Key& key, WsClientProtocol* s,
                          std::atomic<std::uint64_t>& n) {
  auto& list = map[key];
  if (std::find(list.begin(), list.end(), s) != list.end()) return;
  list.push_back(s);
  n.fetch_add(1, std::memory_order_relaxed);
  // Pairs with the fence in PublishStored (store-then-load on both sides):
  // either the publisher sees this subscription, or the state this new
  // subscriber reads next (its snapshot) already holds the publisher's write.
  // Without it, both could miss an update, formally.
  std::atomic_thread_fence(std::memory_order_seq_cst);
}

template <class Map, class Key>
static void RemoveSubscriber(Map& map, const Key& key, WsClientProtocol* s,
                             std::atomic<std::uint64_t>& n) {
  auto it = map.find(key);
  if (it == map.end()) return;
  auto& list = it->second;
  auto pos = std::find(list.begin(), list.end(), s);
  if (pos == list.end()) return;
  *pos = list.back();
  list.pop_back();
  n.fetch_sub(1, std::memory_order_relaxed);
  if (list.empty()) map.erase(it);
}

void Worker::SubscribeBox(WsClientProtocol* s, std::uint64_t box) {
  AddSubscriber(box_subscribers_, box, s, subscriptions_);
}
void Worker::UnsubscribeBox(WsClientProtocol* s, std::uint64_t box) {
  RemoveSubscriber(box_subscribers_, box, s, subscriptions_);
}
void Worker::SubscribeHunt(WsClientProtocol* s, const std::string& hunt) {
  AddSubscriber(hunt_subscribers_, hunt, s, subscriptions_);
}
void Worker::UnsubscribeHunt(WsClientProtocol* s, const std::string& hunt) {
  RemoveSubscriber(hunt_subscribers_, hunt, s, subscriptions_);
}

void Worker::PublishStored() {
  if (stored_.empty()) return;
  // The batch's store writes before the subscription counts below (see
  // AddSubscriber). One fence per batch, not per message.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  std::shared_ptr<const std::vector<std::uint64_t>> batch;
  for (Worker* w : context_.workers) {
    if (w->subscriptions_.load(std::memory_order_relaxed) == 0) continue;
    if (w == this) {
      MergeDirty(stored_);
      continue;
    }
    // One shared copy per batch, posted to each interested worker.
    if (!batch) batch = std::make_shared<const std::vector<std::uint64_t>>(stored_);
    asio::post(w->ioc_, [w, batch] { w->MergeDirty(*batch); });
  }
  stored_.clear();
}

bool Worker::IngestSome(SlicedIngest& batch) {
  // The batch allocates in the arena: it must be reset within an epoch.
  if (epoch_parked_) UnparkEpoch();
  const bool shared = open_sessions() > ingest_sessions_;
  const bool done = batch.Step(*pipeline_, shared ? SlicedIngest::kSliceLines : SIZE_MAX);
  PublishStored();
  return done;
}

void Worker::MergeDirty(const std::vector<std::uint64_t>& ids) {
  dirty_.insert(ids.begin(), ids.end());
  if (push_armed_ || dirty_.empty()) return;
  push_armed_ = true;
  // Leading edge: the first update after a quiet interval is pushed as soon
  // as the current handler (the ingest batch) is done, not a tick later;
  // updates that follow within the interval wait for the tick after it. So
  // ticks stay at least push_interval_ms apart (a box is pushed at most
  // once per interval), and a lone update is not held back.
  const auto due = last_push_ + std::chrono::milliseconds(context_.config.push_interval_ms);
  if (Clock::now() >= due) {
    asio::post(ioc_, [this] {
      push_armed_ = false;
      OnPushTick();
    });
    return;
  }
  push_timer_.expires_at(due);
  push_timer_.async_wait([this](boost::system::error_code ec) {
    push_armed_ = false;
    if (ec) return;  // Happens at shutdown.
    OnPushTick();
  });
}

void Worker::OnPushTick() {
  // One push per box per tick, with the newest payload (coalescing).
  last_push_ = Clock::now();
  char payload[kPushPayloadMax];
  char hunt[store::kMaxHuntBytes];
  for (std::uint64_t box : dirty_) {
    const store::ReadResult r = context_.store.read(box, payload, hunt);
    if (!r.found) continue;
    auto by_box = box_subscribers_.find(box);
    std::unordered_map<std::string, std::vector<WsClientProtocol*>>::iterator by_hunt =
        hunt_subscribers_.end();
    if (r.hunt_size > 0) {
      hunt_key_.assign(hunt, r.hunt_size);  // reused: no allocation per push
      by_hunt = hunt_subscribers_.find(hunt_key_);
    }
    if (by_box == box_subscribers_.end() && by_hunt == hunt_subscribers_.end()) continue;
    push_message_.clear();
    AppendPush(push_message_, box, r.version, {payload, std::min(r.payload_size, sizeof payload)});
    // A session may close (and unsubscribe) while we push: copy the targets.
    std::vector<WsClientProtocol*>& targets = push_targets_;
    targets.clear();
    if (by_box != box_subscribers_.end()) targets = by_box->second;
    if (by_hunt != hunt_subscribers_.end()) {
      for (WsClientProtocol* s : by_hunt->second) {
        if (std::find(targets.begin(), targets.end(), s) == targets.end()) targets.push_back(s);
      }
    }
    for (WsClientProtocol* s : targets) {
      QueueWsPush(*s, push_message_);
      metrics_.ws_pushes.Add();
    }
  }
  dirty_.clear();
}

}  // namespace trove::net
