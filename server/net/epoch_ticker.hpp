// A worker's epoch boundary (docs/design.md, Memory model): every
// epoch_millis the worker's arena is reset, the live tuning is applied, and
// the chunks above the arena's high-water are trimmed and handed to the
// purger, off the worker.
//
// Parked (not armed) once the arena has been empty for a whole high-water
// window and has nothing left to trim: every further tick would change
// nothing, and an idle sidecar should not wake 60 times a second per worker.
// Ingest and tuning changes wake it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "memory/epoch_arena.hpp"
#include "memory/purger.hpp"
#include "net/tuning_state.hpp"
#include "net/worker_metrics.hpp"

namespace trove::net {

class EpochTicker {
 public:
  // Reads the tuning in effect now; the first boundary is set by start().
  EpochTicker(boost::asio::io_context& ioc, memory::EpochArena& arena, TuningState& tuning,
              memory::Purger& purger, WorkerMetrics& metrics);
  // Arms the first boundary, one epoch from now.
  void start();
  // Restarts a parked ticker: ingest is about to allocate in the arena (it
  // must be reset within an epoch), or the tuning changed (applied at the
  // first tick). The worker's thread only.
  void wake();

 private:
  void arm();
  void on_tick();
  // Applies a tuning change: the capacity at this reset, the length for the
  // next epoch.
  void apply_tuning();

  memory::EpochArena& arena_;
  TuningState& tuning_;
  memory::Purger& purger_;
  WorkerMetrics& metrics_;
  boost::asio::steady_timer timer_;
  std::chrono::steady_clock::time_point next_epoch_{};
  std::uint64_t epoch_millis_;
  std::uint64_t tuning_changes_seen_;
  std::size_t empty_epochs_ = 0;  // consecutive epochs that allocated nothing
  bool parked_ = false;
};

}  // namespace trove::net
