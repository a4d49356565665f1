#include "net/epoch_ticker.hpp"

namespace trove::net {

using Clock = std::chrono::steady_clock;

EpochTicker::EpochTicker(boost::asio::io_context& ioc, memory::EpochArena& arena,
                         TuningState& tuning, memory::Purger& purger, WorkerMetrics& metrics)
    : arena_(arena),
      tuning_(tuning),
      purger_(purger),
      metrics_(metrics),
      timer_(ioc),
      epoch_millis_(tuning.get().epoch_millis),
      tuning_changes_seen_(tuning.changes()) {}

void EpochTicker::start() {
  next_epoch_ = Clock::now();
  arm();
}

void EpochTicker::wake() {
  if (!parked_) return;
  parked_ = false;
  empty_epochs_ = 0;
  next_epoch_ = Clock::now();
  arm();
}

void EpochTicker::arm() {
  next_epoch_ += std::chrono::milliseconds(epoch_millis_);
  const auto now = Clock::now();
  // Fell behind (a long batch): restart the cadence from now, no catch-up burst.
  if (next_epoch_ < now) next_epoch_ = now + std::chrono::milliseconds(epoch_millis_);
  timer_.expires_at(next_epoch_);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;  // Happens at shutdown.
    on_tick();
  });
}

void EpochTicker::apply_tuning() {
  const std::uint64_t changes = tuning_.changes();
  if (changes == tuning_changes_seen_) return;
  tuning_changes_seen_ = changes;
  const common::Tuning t = tuning_.get();
  arena_.set_capacity(t.arena_bytes);
  epoch_millis_ = t.epoch_millis;
}

void EpochTicker::on_tick() {
  // Tuning takes effect here, at the boundary. Connections are untouched.
  apply_tuning();
  const bool empty = arena_.used_bytes() == 0;
  std::size_t trimmed = 0;
  const auto t0 = Clock::now();
  if (arena_.reset()) {
    metrics_.reset_duration.observe(nanos_since(t0));
    metrics_.epoch_resets.add();
    // Paced purge: a bounded number of chunks per tick, purged off-thread.
    trimmed = arena_.trim();
    if (trimmed > 0) purger_.request(arena_.jemalloc_index());
  }
  empty_epochs_ = empty ? empty_epochs_ + 1 : 0;
  // A whole high-water window of empty epochs and nothing trimmed: the
  // window holds only zeros and the arena is at its floor, so further ticks
  // would record zeros and trim nothing. Sleep until ingest or a tuning
  // change (applied at the first tick after it).
  if (trimmed == 0 && empty_epochs_ >= arena_.config().high_water_epochs) {
    parked_ = true;
    return;
  }
  arm();
}

}  // namespace trove::net
