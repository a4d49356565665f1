// One load-generator thread: an epoll loop over its share of the sessions, a
// timer heap for open-loop send times, and per-role statistics merged by the
// main thread after the run. With --spin the loop never sleeps in epoll_wait.
#pragma once

#include <cstdint>
#include <memory>
#include <queue>
#include <vector>

#include "load_config.hpp"
#include "run_report.hpp"
#include "session.hpp"

namespace trove::loadgen {

enum class Role : std::uint8_t { kPoll, kWsGet, kPush, kIngest };
inline constexpr std::size_t kRoleCount = 4;
const char* role_name(Role r);

class Worker {
 public:
  Worker(const LoadConfig& config, const Timeline& timeline);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  RoleStats& stats(Role r) { return stats_[static_cast<std::size_t>(r)]; }
  const RoleStats& stats(Role r) const { return stats_[static_cast<std::size_t>(r)]; }
  void add(std::unique_ptr<Session> session) { sessions_.push_back(std::move(session)); }

  void run();

  std::int64_t now() const { return now_; }
  std::int64_t refresh_now();
  const LoadConfig& config() const { return config_; }
  const Timeline& timeline() const { return timeline_; }
  bool sending_allowed() const { return now_ < timeline_.end; }

  // Session plumbing.
  void watch(int fd, Session* s, std::uint32_t events, bool add);
  void unwatch(int fd);
  void schedule(Session* s, std::int64_t due);
  bool may_connect() const { return connecting_ < kMaxConcurrentConnects; }
  void connect_started() { ++connecting_; }
  void connect_finished() { --connecting_; }
  std::uint32_t random();

 private:
  // A burst of 2,000 SYNs overflows a 511-entry accept queue (nginx's
  // default) and costs a 1 s SYN retransmit; so connects go out in waves.
  static constexpr int kMaxConcurrentConnects = 128;
  static constexpr std::int64_t kSweepNanos = 20'000'000;

  struct TimerEntry {
    std::int64_t due;
    Session* session;
    bool operator>(const TimerEntry& o) const { return due > o.due; }
  };

  void fire_timers();
  void sweep();
  bool all_drained() const;

  const LoadConfig& config_;
  const Timeline& timeline_;
  int epfd_ = -1;
  std::int64_t now_ = 0;
  std::int64_t next_sweep_ = 0;
  int connecting_ = 0;
  std::uint64_t rng_state_;
  std::vector<std::unique_ptr<Session>> sessions_;
  std::vector<Session*> waiting_connect_;
  std::priority_queue<TimerEntry, std::vector<TimerEntry>, std::greater<>> timers_;
  RoleStats stats_[kRoleCount];

  friend class Session;
};

}  // namespace trove::loadgen
