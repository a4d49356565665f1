// Runs arena purges off the worker threads (docs/design.md, Memory model): a
// worker that trimmed chunks at its epoch tick calls Request(); this thread
// purges with memory::Purger::purge_now and records each purge's duration for
// trove_epoch_purge_duration_seconds. Requests for an arena already queued
// are merged.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "memory/purger.hpp"
#include "net/worker_metrics.hpp"

namespace trove::net {

class PurgeScheduler {
 public:
  explicit PurgeScheduler(memory::Purger& purger);
  ~PurgeScheduler();
  PurgeScheduler(const PurgeScheduler&) = delete;
  PurgeScheduler& operator=(const PurgeScheduler&) = delete;

  // Ignored once Stop() has been called.
  void Request(unsigned jemalloc_index);
  // Lets the purge in progress finish, drops the queued requests and joins
  // the thread; idempotent (the destructor calls it too). Call it once the
  // workers are joined and before any of them (and its jemalloc arena) is
  // destroyed: jemalloc purges with the arena's locks released, and
  // arena.<i>.destroy does not wait for a purge in progress (it skips a
  // decay already running), so a purge overlapping ~JemallocArena works on
  // freed arena metadata and crashes the process.
  void Stop();
  // Written by the purge thread only; read at scrape.
  [[nodiscard]] const EpochHistogram& durations() const noexcept { return durations_; }
  [[nodiscard]] memory::Purger& purger() noexcept { return purger_; }

 private:
  void Run();
  memory::Purger& purger_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<unsigned> queue_;
  bool stopping_ = false;
  EpochHistogram durations_{kEpochBoundsSeconds};
  std::thread thread_;
};

}  // namespace trove::net
