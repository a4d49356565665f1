#include "net/worker.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/detail/socket_option.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <utility>

#include "net/sessions.hpp"
#include "state/state_format.hpp"

namespace trove::net {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {
// How long an accept waits after running out of file descriptors: long
// enough that a full backlog costs no CPU, short enough to serve again soon
// after descriptors are freed.
constexpr auto kAcceptRetryPause = std::chrono::milliseconds(100);

bool out_of_descriptors(const boost::system::error_code& ec) {
  return ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
         ec == asio::error::no_memory ||
         (ec.category() == boost::system::system_category() && ec.value() == ENFILE);
}

// The sweeper's period bounds how late a timeout fires; 50 ms is well under
// the smallest configurable timeout (100 ms).
constexpr auto kSweepPeriod = std::chrono::milliseconds(50);
// Expected boxes stored per batch: reserved once so a batch does not regrow it.
constexpr std::size_t kStoredReserve = 4096;

std::unique_ptr<memory::EpochArena> make_arena(const common::Tuning& tuning) {
  memory::EpochArenaConfig arena_config;
  arena_config.capacity_bytes = tuning.arena_bytes;
  return std::make_unique<memory::EpochArena>(arena_config);
}

std::unique_ptr<ingest::IngestPipeline> make_pipeline(ServerContext& context,
                                                      memory::EpochArena& arena) {
  ingest::IngestConfig ingest_config;
  ingest_config.strategy = context.strategy;
  ingest_config.max_data_bytes = context.config.max_data_bytes;
  ingest_config.max_line_bytes = ingest::kSchemaLineBytes + context.config.max_data_bytes;
  return std::make_unique<ingest::IngestPipeline>(context.store, &arena, ingest_config);
}
}  // namespace

Worker::Worker(unsigned index, ServerContext& context)
    : index_(index),
      context_(context),
      arena_(make_arena(context.tuning.get())),
      pipeline_(make_pipeline(context, *arena_)),
      epoch_(ioc_, *arena_, context.tuning, context.purge, metrics_),
      push_(ioc_, context.store, subscribers_,
            std::chrono::milliseconds(context.config.push_interval_ms), metrics_.ws_pushes) {
  pipeline_->set_observer([this](std::uint64_t box, std::string_view hunt, std::uint64_t version,
                                 std::string_view payload) {
    stored_.push_back(box);
    if (context_.journal != nullptr) {
      state::append_record(journal_records_, state::box_record(box, version, hunt, payload));
      ++journal_record_count_;
    }
  });
  stored_.reserve(kStoredReserve);
  if (context_.journal != nullptr) {
    context_.journal->set_listener(
        index_, [this](std::uint64_t ticket, bool ok, const std::string& reason) {
          asio::post(ioc_, [this, ticket, ok, reason] { on_committed(ticket, ok, reason); });
        });
  }
}

Worker::~Worker() {
  stop();
  join();
}

std::uint16_t Worker::listen(Listener listener, const std::string& address, std::uint16_t port) {
  Acceptor& acceptor = acceptor_of(listener);
  tcp::endpoint endpoint(asio::ip::make_address(address), port);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  // Every worker binds the same port; the kernel spreads connections.
  acceptor.set_option(asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>(true));
  acceptor.bind(endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
  return acceptor.local_endpoint().port();
}

void Worker::start() {
  do_accept(acceptor_, Listener::kPublic);
  if (ingest_acceptor_.is_open()) do_accept(ingest_acceptor_, Listener::kIngest);
  epoch_.start();
  arm_sweep_timer();
  thread_ = std::thread([this] { run(); });
}

void Worker::run() {
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

void Worker::do_accept(Acceptor& acceptor, Listener listener) {
  acceptor.async_accept([this, &acceptor, listener](boost::system::error_code ec, Socket socket) {
    // Happens when Drain() closes the acceptor.
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (out_of_descriptors(ec)) {
      metrics_.connections_rejected[static_cast<std::size_t>(RejectReason::kFdLimit)].add();
      return retry_accept_later(acceptor, listener);
    }
    if (!ec) admit(std::move(socket), listener);
    do_accept(acceptor, listener);
  });
}

void Worker::admit(Socket socket, Listener listener) {
  const std::uint64_t max = context_.config.max_connections;
  if (context_.open_connections.load(std::memory_order_relaxed) >= max) {
    metrics_.connections_rejected[static_cast<std::size_t>(RejectReason::kMaxConnections)].add();
    return refuse(socket);
  }
  if (context_.over_memory_budget()) {
    metrics_.count_limit(Limit::kMemoryBudget);
    return refuse(socket, /*retry_after=*/true);
  }
  PeerSlot peer;
  if (listener == Listener::kPublic && context_.peers) {
    boost::system::error_code ec;
    const tcp::endpoint remote = socket.remote_endpoint(ec);
    if (ec) return;  // Happens when the peer reset before we looked: nothing to serve.
    std::optional<PeerSlot> slot = context_.peers->admit(remote.address());
    if (!slot) {
      metrics_.count_limit(Limit::kConnsPerIp);
      return refuse(socket);
    }
    peer = std::move(*slot);
  }
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  start_http_session(std::move(socket), *this, listener, std::move(peer));
}

// Over a limit at accept: a 503 and a close, rather than a queue without
// bound. One non-blocking write into a fresh socket's empty send buffer.
// `retry_after`: the condition passes by itself (the memory budget).
void Worker::refuse(Socket& socket, bool retry_after) {
  static constexpr std::string_view kFull =
      "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
  static constexpr std::string_view kRetry =
      "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\n"
      "Content-Length: 0\r\n\r\n";
  static_assert(MemoryGuard::kRetryAfterSeconds == 1);
  const std::string_view answer = retry_after ? kRetry : kFull;
  boost::system::error_code ignored;
  socket.non_blocking(true, ignored);
  socket.write_some(asio::buffer(answer.data(), answer.size()), ignored);
  socket.close(ignored);
}

void Worker::retry_accept_later(Acceptor& acceptor, Listener listener) {
  auto& timer = listener == Listener::kIngest ? ingest_accept_retry_ : public_accept_retry_;
  timer.expires_after(kAcceptRetryPause);
  timer.async_wait([this, &acceptor, listener](boost::system::error_code ec) {
    // Happens at shutdown; a drain closes the acceptor meanwhile.
    if (ec || !acceptor.is_open()) return;
    do_accept(acceptor, listener);
  });
}

void Worker::add_session(Session* s) {
  if (sweep_parked_) {
    sweep_parked_ = false;
    arm_sweep_timer();
  }
  sessions_.insert(s);
  deadlines_.add(s);
  open_sessions_.fetch_add(1, std::memory_order_acq_rel);
  context_.open_connections.fetch_add(1, std::memory_order_relaxed);
}

void Worker::remove_session(Session* s) {
  deadlines_.remove(s);
  sessions_.erase(s);
  open_sessions_.fetch_sub(1, std::memory_order_acq_rel);
  context_.open_connections.fetch_sub(1, std::memory_order_relaxed);
}

void Worker::drain() {
  asio::post(ioc_, [this] {
    draining_ = true;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    ingest_acceptor_.close(ignored);
    listener_closed_.store(true, std::memory_order_release);
    // Copy: a session may unregister while draining.
    std::vector<Session*> open(sessions_.begin(), sessions_.end());
    for (Session* s : open)
      s->drain();
  });
}

void Worker::stop() {
  ioc_.stop();
}

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::tuning_changed() {
  asio::post(ioc_, [this] { epoch_.wake(); });
}

void Worker::arm_sweep_timer() {
  sweep_timer_.expires_after(kSweepPeriod);
  sweep_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;  // Happens at shutdown.
    std::vector<Session*>& expired = expired_;
    expired.clear();
    deadlines_.collect_expired(Clock::now(), expired);
    // OnDeadline only closes sockets (completions are posted), so no
    // session is destroyed inside this loop; the membership check guards
    // against one that would be.
    for (Session* s : expired) {
      if (sessions_.count(s) != 0) s->on_deadline();
    }
    if (sessions_.empty()) {
      sweep_parked_ = true;  // until the next add_session
      return;
    }
    arm_sweep_timer();
  });
}

void Worker::subscribe_box(WsClientProtocol* s, std::uint64_t box) {
  subscribers_.subscribe_box(s, box);
}
void Worker::unsubscribe_box(WsClientProtocol* s, std::uint64_t box) {
  subscribers_.unsubscribe_box(s, box);
}
void Worker::subscribe_hunt(WsClientProtocol* s, const std::string& hunt) {
  subscribers_.subscribe_hunt(s, hunt);
}
void Worker::unsubscribe_hunt(WsClientProtocol* s, const std::string& hunt) {
  subscribers_.unsubscribe_hunt(s, hunt);
}

void Worker::publish_stored() {
  if (stored_.empty()) return;
  // The batch's store writes before the subscription counts below (see
  // Subscribers' add_subscriber). One fence per batch, not per message.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  woken_.clear();
  published_.clear();
  {
    // Positions, stamps and inboxes under one lock: every inbox receives
    // the changes in position order (change_feed.hpp).
    const std::lock_guard lock(context_.changes.mutex());
    for (std::uint64_t box : stored_) {
      const std::uint64_t position = context_.changes.next();
      context_.store.set_change(box, position);
      published_.push_back(Change{box, position});
    }
    for (Worker* w : context_.workers) {
      if (w->subscribers_.count() == 0) continue;
      if (w->inbox_.empty() && w != this) woken_.push_back(w);
      // Counted on the publisher's metrics: only this thread writes them.
      if (w->inbox_.append(published_)) metrics_.count_limit(Limit::kChangeInbox);
    }
  }
  stored_.clear();
  for (Worker* w : woken_)
    asio::post(w->ioc_, [w] { w->take_inbox(); });
  // This worker's own subscribers without a post: the first update after
  // a quiet interval goes out as soon as the batch is done.
  if (subscribers_.count() != 0) take_inbox();
}

void Worker::take_inbox() {
  {
    const std::lock_guard lock(context_.changes.mutex());
    inbox_.take(taken_);
  }
  if (!taken_.empty()) push_.merge(taken_);
}

std::size_t Worker::inbox_depth() {
  const std::lock_guard lock(context_.changes.mutex());
  return inbox_.size();
}

bool Worker::ingest_some(SlicedIngest& batch) {
  // The batch allocates in the arena: it must be reset within an epoch.
  epoch_.wake();
  const bool shared = open_sessions() > ingest_sessions_;
  const bool done = batch.step(*pipeline_, shared ? SlicedIngest::kSliceLines : SIZE_MAX);
  if (context_.journal != nullptr) {
    batch.note_ticket(context_.journal->submit(index_, journal_records_,
                                               std::exchange(journal_record_count_, 0)));
  }
  publish_stored();
  return done;
}

void Worker::when_durable(std::uint64_t ticket, DurableDone done) {
  if (ticket == 0) return done(true, {});  // nothing to log: no line was stored
  if (ticket == state::Journal::kNotLogged) {
    return done(false, "not logged: the state log is falling behind the disk");
  }
  if (durable_waiters_.size() >= kMaxDurableWaiters) {
    metrics_.count_limit(Limit::kDurableWaiters);
    return done(false, "too many batches waiting for the disk on this worker");
  }
  durable_waiters_.emplace_back(ticket, std::move(done));
  context_.journal->request_commit();
}

void Worker::on_committed(std::uint64_t ticket, bool ok, const std::string& reason) {
  while (!durable_waiters_.empty() && durable_waiters_.front().first <= ticket) {
    DurableDone done = std::move(durable_waiters_.front().second);
    durable_waiters_.pop_front();
    done(ok, reason);
  }
}

}  // namespace trove::net
