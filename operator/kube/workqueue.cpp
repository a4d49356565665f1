#include "kube/workqueue.hpp"

#include <cmath>

namespace trove::kube {

ItemRateLimiter::ItemRateLimiter(RateLimiterConfig config)
    : config_(config), bucket_(config.qps, config.burst) {}

std::chrono::steady_clock::duration ItemRateLimiter::when(const std::string& key) {
  int exp;
  {
    std::lock_guard lock(mutex_);
    exp = failures_[key]++;
  }
  // 2^exp overflows quickly; past 2^40 the cap has long been reached.
  const double factor = std::ldexp(1.0, std::min(exp, 40));
  const double ms = std::min(static_cast<double>(config_.base_delay.count()) * factor,
                             static_cast<double>(config_.max_delay.count()));
  const auto item = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double, std::milli>(ms));
  return std::max(item, bucket_.reserve());
}

void ItemRateLimiter::forget(const std::string& key) {
  std::lock_guard lock(mutex_);
  failures_.erase(key);
}

int ItemRateLimiter::failures(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

WorkQueue::WorkQueue(RateLimiterConfig limits, WorkQueueMetrics metrics)
    : limiter_(limits), metrics_(std::move(metrics)) {}

void WorkQueue::report_depth_locked() {
  if (metrics_.depth) metrics_.depth(queue_.size());
}

void WorkQueue::add_locked(const std::string& key, Clock::time_point now) {
  if (shutdown_) return;
  if (!dirty_.insert(key).second) return;  // already queued (or re-added while processing)
  if (metrics_.add) metrics_.add();
  added_at_.emplace(key, now);
  if (processing_.contains(key)) return;  // done() queues it again
  queue_.push_back(key);
  report_depth_locked();
  cv_.notify_one();
}

void WorkQueue::add(const std::string& key) {
  std::lock_guard lock(mutex_);
  add_locked(key, Clock::now());
}

void WorkQueue::add_after(const std::string& key, Clock::duration delay) {
  std::lock_guard lock(mutex_);
  if (shutdown_) return;
  const auto now = Clock::now();
  if (delay <= Clock::duration::zero()) {
    add_locked(key, now);
    return;
  }
  const auto ready = now + delay;
  auto it = waiting_.find(key);
  if (it != waiting_.end()) {
    if (it->second <= ready) return;
    by_time_.erase({it->second, key});
    it->second = ready;
  } else {
    waiting_.emplace(key, ready);
  }
  by_time_.emplace(ready, key);
  cv_.notify_all();  // a waiting get() may need an earlier wake-up
}

void WorkQueue::add_rate_limited(const std::string& key) {
  if (metrics_.retry) metrics_.retry();
  add_after(key, limiter_.when(key));
}

void WorkQueue::forget(const std::string& key) {
  limiter_.forget(key);
}

int WorkQueue::num_requeues(const std::string& key) const {
  return limiter_.failures(key);
}

void WorkQueue::promote_due_locked(Clock::time_point now) {
  while (!by_time_.empty() && by_time_.begin()->first <= now) {
    const std::string key = by_time_.begin()->second;
    by_time_.erase(by_time_.begin());
    waiting_.erase(key);
    add_locked(key, now);
  }
}

std::optional<std::string> WorkQueue::get() {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (shutdown_) return std::nullopt;
    const auto now = Clock::now();
    promote_due_locked(now);
    if (!queue_.empty()) break;
    if (by_time_.empty()) {
      cv_.wait(lock);
    } else {
      // Copy the deadline: wait_until re-reads its argument after waking, and
      // another worker may have erased that set node meanwhile.
      const Clock::time_point next_due = by_time_.begin()->first;
      cv_.wait_until(lock, next_due);
    }
  }
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  const auto now = Clock::now();
  processing_.insert(key);
  dirty_.erase(key);
  if (auto it = added_at_.find(key); it != added_at_.end()) {
    if (metrics_.queue_duration_seconds)
      metrics_.queue_duration_seconds(std::chrono::duration<double>(now - it->second).count());
    added_at_.erase(it);
  }
  started_at_[key] = now;
  report_depth_locked();
  return key;
}

void WorkQueue::done(const std::string& key) {
  std::lock_guard lock(mutex_);
  if (auto it = started_at_.find(key); it != started_at_.end()) {
    if (metrics_.work_duration_seconds)
      metrics_.work_duration_seconds(
          std::chrono::duration<double>(Clock::now() - it->second).count());
    started_at_.erase(it);
  }
  processing_.erase(key);
  if (dirty_.contains(key) && !shutdown_) {
    queue_.push_back(key);
    report_depth_locked();
    cv_.notify_one();
  }
}

void WorkQueue::shutdown() {
  {
    std::lock_guard lock(mutex_);
    shutdown_ = true;
  }
  cv_.notify_all();
}

bool WorkQueue::shutting_down() const {
  std::lock_guard lock(mutex_);
  return shutdown_;
}

std::size_t WorkQueue::len() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

std::size_t WorkQueue::waiting() const {
  std::lock_guard lock(mutex_);
  return waiting_.size();
}

}  // namespace trove::kube
