// Runs arena purges off the worker threads (DESIGN.md, Memory model): a
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

  void Request(unsigned jemalloc_index);
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
