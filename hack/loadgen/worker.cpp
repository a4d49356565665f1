#include "worker.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <ctime>
#include <stdexcept>
#include <string>

namespace trove::loadgen {

const char* role_name(Role r) {
  switch (r) {
    case Role::kPoll:
      return "poll";
    case Role::kWsGet:
      return "ws_get";
    case Role::kPush:
      return "push";
    case Role::kIngest:
      return "ingest";
  }
  return "unknown";
}

Worker::Worker(const LoadConfig& config, const Timeline& timeline)
    : config_(config),
      timeline_(timeline),
      epfd_(::epoll_create1(EPOLL_CLOEXEC)),
      rng_state_(static_cast<std::uint64_t>(timeline.start) | 1) {
  if (epfd_ < 0) throw std::runtime_error("epoll_create1 failed");
  for (std::size_t i = 0; i < kRoleCount; ++i)
    stats_[i].role = role_name(static_cast<Role>(i));
}

Worker::~Worker() {
  sessions_.clear();  // sessions unwatch their sockets first
  ::close(epfd_);
}

std::int64_t Worker::refresh_now() {
  now_ = monotonic_nanos();
  return now_;
}

std::uint32_t Worker::random() {
  // xorshift64*: masks and jitter only, no statistical claims.
  rng_state_ ^= rng_state_ >> 12;
  rng_state_ ^= rng_state_ << 25;
  rng_state_ ^= rng_state_ >> 27;
  return static_cast<std::uint32_t>((rng_state_ * 2685821657736338717ull) >> 32);
}

void Worker::watch(int fd, Session* s, std::uint32_t events, bool add) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = s;
  ::epoll_ctl(epfd_, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev);
}

void Worker::unwatch(int fd) {
  ::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
}

void Worker::schedule(Session* s, std::int64_t due) {
  timers_.push({due, s});
}

void Worker::fire_timers() {
  while (!timers_.empty() && timers_.top().due <= now_) {
    const TimerEntry t = timers_.top();
    timers_.pop();
    t.session->handle_timer(t.due);
  }
}

void Worker::sweep() {
  for (auto& s : sessions_)
    s->check_timeout(now_);
}

bool Worker::all_drained() const {
  return std::all_of(sessions_.begin(), sessions_.end(),
                     [](const auto& s) { return s->drained(); });
}

void Worker::run() {
  refresh_now();
  if (now_ < timeline_.start) {
    const std::int64_t wait = timeline_.start - now_;
    const timespec ts{static_cast<time_t>(wait / 1'000'000'000),
                      static_cast<long>(wait % 1'000'000'000)};
    ::nanosleep(&ts, nullptr);
    refresh_now();
  }
  for (auto& s : sessions_)
    s->start_connect();
  next_sweep_ = now_ + kSweepNanos;
  const std::int64_t drain_deadline =
      timeline_.end + static_cast<std::int64_t>(config_.timeout_ms) * 1'000'000;
  std::array<epoll_event, 256> events{};
  for (;;) {
    int timeout_ms = 0;
    timespec timeout{0, 0};
    const timespec* timeout_ptr = &timeout;
    if (!config_.spin) {
      std::int64_t next = next_sweep_;
      if (!timers_.empty()) next = std::min(next, timers_.top().due);
      const std::int64_t wait = std::max<std::int64_t>(0, next - now_);
      timeout.tv_sec = static_cast<time_t>(wait / 1'000'000'000);
      timeout.tv_nsec = static_cast<long>(wait % 1'000'000'000);
      timeout_ms = static_cast<int>(wait / 1'000'000);
    }
    int n =
        ::epoll_pwait2(epfd_, events.data(), static_cast<int>(events.size()), timeout_ptr, nullptr);
    if (n < 0 && errno == ENOSYS) {
      n = ::epoll_wait(epfd_, events.data(), static_cast<int>(events.size()), timeout_ms);
    }
    refresh_now();
    for (int i = 0; i < n; ++i)
      static_cast<Session*>(events[static_cast<std::size_t>(i)].data.ptr)
          ->handle_events(events[static_cast<std::size_t>(i)].events);
    fire_timers();
    if (now_ >= next_sweep_) {
      sweep();
      next_sweep_ = now_ + kSweepNanos;
    }
    if (now_ >= timeline_.end && (now_ >= drain_deadline || all_drained())) break;
  }
  // Whatever is still outstanding was due inside the window: count it.
  for (auto& s : sessions_)
    s->check_timeout(INT64_MAX / 2);
}

}  // namespace trove::loadgen
