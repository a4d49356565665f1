#pragma once
// Purger: the one thread that runs `arena.<i>.purge` for the workers'
// jemalloc arenas, so the ~60-80 µs/MiB purge never lands on a worker between
// two polls (docs/design.md, Memory model). A worker trims its EpochArena at
// the epoch tick and, if it released chunks, calls request(index); the
// purger merges requests for an arena already queued and purges them in
// order, timing each for trove_epoch_purge_duration_seconds.
// Without jemalloc purging is a no-op (free() already returned the memory).

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>

#include "memory/local_metrics.hpp"
#include "memory/sample_window.hpp"

namespace trove::memory {

struct PurgerStats {
  std::uint64_t requests = 0;      // request() calls
  std::uint64_t purges = 0;        // arena purges run
  std::uint64_t purged_bytes = 0;  // dirty bytes those purges returned to the OS
  std::uint64_t failures = 0;      // mallctl errors
  WindowSummary purge_nanos;       // duration of each purge, ns
};

class Purger {
 public:
  // Starts the purger thread.
  Purger();
  // stop().
  ~Purger();
  Purger(const Purger&) = delete;
  Purger& operator=(const Purger&) = delete;

  // Asks for `arena.<index>.purge`. Any thread; never blocks on a purge in
  // progress (only a short mutex). Repeated requests for an arena that is
  // already pending are merged. Ignored once stop() has been called.
  void request(unsigned jemalloc_index);

  // Blocks until every request made before this call has been purged
  // (tests, benchmarks, drain).
  void wait_idle();

  // Lets the purge in progress finish, drops the queued requests and joins
  // the thread; idempotent (the destructor calls it too). Call it once the
  // workers are joined and before any of them (and its jemalloc arena) is
  // destroyed: jemalloc purges with the arena's locks released, and
  // arena.<i>.destroy does not wait for a purge in progress (it skips a
  // decay already running), so a purge overlapping ~JemallocArena works on
  // freed arena metadata and crashes the process.
  void stop();

  // Purges one arena on the calling thread and records it in stats() like
  // the purger thread would; returns the dirty bytes it released (measured
  // before).
  std::size_t purge_now(unsigned jemalloc_index);

  PurgerStats stats() const;
  // The purger thread's purges, each timed whole (the dirty-bytes reading
  // and the purge); written by that thread only, read at scrape.
  [[nodiscard]] const EpochHistogram& durations() const noexcept { return durations_; }

 private:
  void run();
  // One request, on the purger thread.
  void purge_timed(unsigned jemalloc_index);

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<unsigned> queue_;  // pending arena indices, each at most once (few workers)
  bool busy_ = false;
  bool stopping_ = false;

  SampleWindow purge_window_{1024};
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> purges_{0};
  std::atomic<std::uint64_t> purged_bytes_{0};
  std::atomic<std::uint64_t> failures_{0};
  std::mutex record_mutex_;  // purge_now() and the thread both record
  EpochHistogram durations_{kEpochBoundsSeconds};
  std::thread thread_;
};

}  // namespace trove::memory
