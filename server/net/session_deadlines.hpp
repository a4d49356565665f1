// What the worker needs from every session (drain, deadline sweeps) and the
// dense table the sweeper scans. The deadlines live in one contiguous array
// owned by the worker rather than in the session objects: a sweep over
// 2,000 sessions reading each object's field cost ~40 us of cache misses
// every 50 ms (perf, S1 at 2,000 x 4 Hz), a stall every poll arriving during
// it waited behind; scanning 16 KiB of time points takes ~1 us.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <vector>

namespace trove::net {

// The clock for session deadlines. Timeouts are whole configured spans
// (>= 100 ms) checked by a 50 ms sweep, so the coarse monotonic clock (the
// same origin as steady_clock, at most a tick behind, read without a TSC
// read) is precise enough, and cheaper on the per-message path. Latency
// measurements keep steady_clock.
inline std::chrono::steady_clock::time_point deadline_now() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return std::chrono::steady_clock::time_point(std::chrono::seconds(ts.tv_sec) +
                                               std::chrono::nanoseconds(ts.tv_nsec));
}

class SessionDeadlines;

class Session {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  Session() = default;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  virtual ~Session() = default;
  // Drain: stop taking requests, finish what is in flight, close.
  virtual void drain() = 0;
  // Called by the sweeper past the session's deadline.
  virtual void on_deadline() = 0;
  // TimePoint{} = no deadline. Worker thread only; a no-op before the
  // session is registered with its worker.
  void set_deadline(TimePoint t) noexcept;

 private:
  friend class SessionDeadlines;
  SessionDeadlines* table_ = nullptr;
  std::uint32_t slot_ = 0;
};

// One worker's sessions and their deadlines, index-aligned; removal swaps
// the last entry into the hole. One thread (the worker's).
class SessionDeadlines {
 public:
  using TimePoint = Session::TimePoint;
  void add(Session* s) {
    s->table_ = this;
    s->slot_ = static_cast<std::uint32_t>(sessions_.size());
    sessions_.push_back(s);
    deadlines_.push_back(TimePoint{});
  }
  void remove(Session* s) {
    if (s->table_ != this) return;
    const std::uint32_t hole = s->slot_;
    Session* last = sessions_.back();
    sessions_[hole] = last;
    deadlines_[hole] = deadlines_.back();
    last->slot_ = hole;
    sessions_.pop_back();
    deadlines_.pop_back();
    s->table_ = nullptr;
  }
  void set(std::uint32_t slot, TimePoint t) noexcept { deadlines_[slot] = t; }
  // Appends every session whose deadline is set and not after `now`.
  void collect_expired(TimePoint now, std::vector<Session*>& out) const {
    const TimePoint none{};
    for (std::size_t i = 0; i < deadlines_.size(); ++i) {
      if (deadlines_[i] != none && deadlines_[i] <= now) out.push_back(sessions_[i]);
    }
  }
  [[nodiscard]] std::size_t size() const noexcept { return sessions_.size(); }

 private:
  std::vector<Session*> sessions_;
  std::vector<TimePoint> deadlines_;
};

inline void Session::set_deadline(TimePoint t) noexcept {
  if (table_ != nullptr) table_->set(slot_, t);
}

}  // namespace trove::net
