#pragma once
// Purger: the thread that runs `arena.<i>.purge` for the workers' jemalloc
// arenas, so the ~60-80 µs/MiB purge never lands on a worker between two polls
// (docs/design.md, Memory model). A worker trims its EpochArena at the epoch tick
// and, if it released chunks, calls request(index); the purger coalesces
// requests (one pending flag per arena) and purges them in order.
// Without jemalloc purging is a no-op (free() already returned the memory).

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>

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
  // Stops the thread after the purges already requested.
  ~Purger();
  Purger(const Purger&) = delete;
  Purger& operator=(const Purger&) = delete;

  // Asks for `arena.<index>.purge`. Any thread; never blocks on a purge in
  // progress (only a short mutex). Repeated requests for an arena that is
  // already pending are merged.
  void request(unsigned jemalloc_index);

  // Blocks until every request made before this call has been purged
  // (tests, benchmarks, drain).
  void wait_idle();

  // Purges one arena on the calling thread and records it like the purger
  // thread would; returns the dirty bytes it released (measured before).
  std::size_t purge_now(unsigned jemalloc_index);

  PurgerStats stats() const;

 private:
  void run();

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
  std::thread thread_;
};

}  // namespace trove::memory
