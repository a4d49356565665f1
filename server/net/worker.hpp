// A worker: one thread, its own io_context, its own SO_REUSEPORT listener,
// its own epoch arena and ingest pipeline, its sessions and its subscriber
// lists (docs/design.md, Data flow 1). Other threads talk to it only by posting to
// its io_context. The worker accepts, sweeps its sessions' deadlines and
// owns them; the epoch boundary (epoch_ticker.hpp) and the push fan-out
// (push_coalescer.hpp) are types of their own.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "ingest/ingest_pipeline.hpp"
#include "memory/epoch_arena.hpp"
#include "net/change_inbox.hpp"
#include "net/epoch_ticker.hpp"
#include "net/push_coalescer.hpp"
#include "net/server_context.hpp"
#include "net/session_deadlines.hpp"
#include "net/sessions.hpp"
#include "net/sliced_ingest.hpp"
#include "net/subscribers.hpp"
#include "net/worker_metrics.hpp"

namespace trove::net {

class WsClientProtocol;

class Worker {
 public:
  Worker(unsigned index, ServerContext& context);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Opens this worker's public or ingest listener (SO_REUSEPORT); returns
  // the bound port. Throws std::system_error.
  std::uint16_t listen(Listener listener, const std::string& address, std::uint16_t port);
  void start();  // starts the thread
  // Thread-safe: stop accepting, drain every session.
  void drain();
  // Thread-safe: stop the event loop (after a drain or at the deadline).
  void stop();
  void join();
  // True once Drain() has closed this worker's listener.
  [[nodiscard]] bool listener_closed() const noexcept {
    return listener_closed_.load(std::memory_order_acquire);
  }
  [[nodiscard]] std::uint64_t open_sessions() const noexcept {
    return open_sessions_.load(std::memory_order_acquire);
  }

  // ---- worker thread only (sessions) ----
  boost::asio::io_context& ioc() noexcept { return ioc_; }
  ServerContext& context() noexcept { return context_; }
  WorkerMetrics& metrics() noexcept { return metrics_; }
  void add_session(Session* s);
  void remove_session(Session* s);
  [[nodiscard]] bool draining() const noexcept { return draining_; }

  // Subscriptions of this worker's WebSocket sessions.
  void subscribe_box(WsClientProtocol* s, std::uint64_t box);
  void unsubscribe_box(WsClientProtocol* s, std::uint64_t box);
  void subscribe_boxes(WsClientProtocol* s, std::span<const std::uint64_t> boxes) {
    subscribers_.subscribe_boxes(s, boxes);
  }
  void unsubscribe_boxes(WsClientProtocol* s, std::span<const std::uint64_t> boxes) {
    subscribers_.unsubscribe_boxes(s, boxes);
  }
  void subscribe_hunt(WsClientProtocol* s, const std::string& hunt);
  void unsubscribe_hunt(WsClientProtocol* s, const std::string& hunt);
  // After an ingest batch: hands the boxes it stored to every worker that has
  // subscribers (posted, coalesced per push tick on the receiving side).
  void publish_stored();
  // Ingests the rest of `batch`, publishing what it stored: all of it when
  // every session on this worker is an ingest session (true), else one
  // slice (false: the caller posts a continuation, and the pollers get
  // their turn first). Slicing costs ~10 % of ingest CPU in 16-line slices
  // (S3 with 4 connections), so it is spent only where a poll could wait.
  bool ingest_some(SlicedIngest& batch);
  // Sessions that only ingest (WebSocket /v1/ingest; an HTTP session while
  // its POST is being ingested), so IngestSome knows whether others wait.
  void add_ingest_session() noexcept { ++ingest_sessions_; }
  // --ack durable: calls `done(ok, reason)` on this worker's thread once the
  // batch with journal ticket `ticket` is on disk (ok) or its commit failed.
  // At most kMaxDurableWaiters wait per worker; beyond, done(false, …) now.
  using DurableDone = std::function<void(bool ok, std::string_view reason)>;
  static constexpr std::size_t kMaxDurableWaiters = 65536;
  void when_durable(std::uint64_t ticket, DurableDone done);
  void remove_ingest_session() noexcept { --ingest_sessions_; }

  // ---- any thread ----
  // The live tuning changed: a worker whose epoch timer is parked (idle)
  // restarts it, so the change takes effect at a boundary now rather than
  // at the next ingest.
  void tuning_changed();
  // Scrape:
  [[nodiscard]] unsigned index() const noexcept { return index_; }
  [[nodiscard]] const WorkerMetrics& metrics_view() const noexcept { return metrics_; }
  [[nodiscard]] memory::EpochArenaStats arena_stats() const { return arena_->stats(); }
  // Changes waiting in this worker's inbox (takes the ChangeFeed's mutex).
  [[nodiscard]] std::size_t inbox_depth();
  [[nodiscard]] const ingest::IngestCounters& ingest_counters() const noexcept {
    return pipeline_->counters();
  }
  [[nodiscard]] std::uint64_t connections(Protocol p) const noexcept {
    const auto i = static_cast<std::size_t>(p);
    return metrics_.connections_opened[i].get() - metrics_.connections_closed[i].get();
  }

 private:
  // Merges this worker's inbox into its push tick (the worker's thread).
  void take_inbox();
  void run();
  void do_accept(Acceptor& acceptor, Listener listener);
  void retry_accept_later(Acceptor& acceptor, Listener listener);
  // An accepted socket: served, or refused over --max-connections or
  // --max-conns-per-ip.
  void admit(Socket socket, Listener listener);
  static void refuse(Socket& socket, bool retry_after = false);
  Acceptor& acceptor_of(Listener listener) noexcept {
    return listener == Listener::kIngest ? ingest_acceptor_ : acceptor_;
  }
  // A commit of this worker's journal records finished (worker thread).
  void on_committed(std::uint64_t ticket, bool ok, const std::string& reason);
  void arm_sweep_timer();

  unsigned index_;
  ServerContext& context_;

  // State that session destructors touch (Unregister, Unsubscribe*, metrics)
  // is declared before the io_context, so it outlives it: destroying the
  // io_context destroys pending handlers, and with them the last sessions.
  WorkerMetrics metrics_;
  std::atomic<std::uint64_t> open_sessions_{0};
  std::unordered_set<Session*> sessions_;  // membership (drain, sweeps)
  SessionDeadlines deadlines_;             // what the sweeper scans
  Subscribers subscribers_;
  std::unique_ptr<memory::EpochArena> arena_;
  std::unique_ptr<ingest::IngestPipeline> pipeline_;

  // Only this worker's thread touches its sockets (other threads post), so
  // the reactor's per-descriptor locking is off; the scheduler keeps its
  // lock for those posts.
  boost::asio::io_context ioc_{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  Acceptor acceptor_{ioc_};         // public: reads
  Acceptor ingest_acceptor_{ioc_};  // ingest: writes (and reads)
  // At the fd limit an accept fails at once for as long as the backlog is
  // full: retried after a pause instead of in a busy loop.
  boost::asio::steady_timer public_accept_retry_{ioc_};
  boost::asio::steady_timer ingest_accept_retry_{ioc_};
  std::thread thread_;
  bool draining_ = false;
  std::atomic<bool> listener_closed_{false};

  EpochTicker epoch_;

  // Deadline sweeper (idle, handshake, close timeouts) instead of a timer
  // per operation: one timer per worker keeps the hot path timer-free.
  // Parked while the worker has no sessions (nothing can expire); the next
  // Register restarts it.
  boost::asio::steady_timer sweep_timer_{ioc_};
  bool sweep_parked_ = false;
  std::vector<Session*> expired_;  // reused by each sweep
  std::uint64_t ingest_sessions_ = 0;

  // Fan-out. stored_: boxes this worker stored since the last publish; push_:
  // boxes to push to this worker's subscribers at its next tick. inbox_:
  // changes published by any worker (this one too) for this worker's
  // subscribers, in position order (change_feed.hpp), bounded by
  // coalescing (change_inbox.hpp), guarded by the ChangeFeed's mutex; taken_ is the batch being
  // merged; woken_ the workers a publish must wake (their inbox was empty).
  std::vector<std::uint64_t> stored_;
  PushCoalescer push_;
  ChangeInbox inbox_;
  std::vector<Change> taken_;
  std::vector<Change> published_;
  std::vector<Worker*> woken_;

  // --state-dir: the records of the batch being ingested, handed to the
  // journal after each slice; batches waiting for their commit, in ticket
  // order.
  std::string journal_records_;
  std::uint64_t journal_record_count_ = 0;  // records in journal_records_
  std::deque<std::pair<std::uint64_t, DurableDone>> durable_waiters_;
};

}  // namespace trove::net
