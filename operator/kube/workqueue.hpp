// client-go's rate-limited work queue for string keys ("ns/name"):
// - de-duplicating: a key queued twice is handed out once;
// - a key is never handed to two workers at once: adding a key that is being
//   processed marks it dirty, and it is queued again only at done();
// - add_rate_limited() delays a key by max(per-item exponential backoff
//   5 ms * 2^failures capped at 1000 s, the overall token bucket 10 qps /
//   100 burst) — controller-runtime's default rate limiter;
// - metrics hooks for workqueue_depth / _adds_total / _retries_total /
//   _queue_duration_seconds / _work_duration_seconds.
// Thread-safe; get() blocks until a key is ready or shutdown().
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "kube/token_bucket.hpp"

namespace trove::kube {

struct RateLimiterConfig {
  std::chrono::milliseconds base_delay{5};
  std::chrono::milliseconds max_delay{1'000'000};
  double qps = 10;
  double burst = 100;
};

// The per-item backoff combined with the overall bucket.
class ItemRateLimiter {
 public:
  explicit ItemRateLimiter(RateLimiterConfig config = {});
  // The delay before `key` may run again; counts one more failure.
  std::chrono::steady_clock::duration when(const std::string& key);
  void forget(const std::string& key);
  int failures(const std::string& key) const;

 private:
  RateLimiterConfig config_;
  TokenBucket bucket_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, int> failures_;
};

struct WorkQueueMetrics {
  std::function<void(std::size_t)> depth;
  std::function<void()> add;
  std::function<void()> retry;
  std::function<void(double)> queue_duration_seconds;  // added -> handed out
  std::function<void(double)> work_duration_seconds;   // handed out -> done
};

class WorkQueue {
 public:
  using Clock = std::chrono::steady_clock;

  explicit WorkQueue(RateLimiterConfig limits = {}, WorkQueueMetrics metrics = {});

  void add(const std::string& key);
  // Adds after `delay`; a key already waiting keeps the earlier time.
  void add_after(const std::string& key, Clock::duration delay);
  // Adds after the rate limiter's delay for this key (a failed reconcile).
  void add_rate_limited(const std::string& key);
  // Clears the key's failure count (a reconcile succeeded).
  void forget(const std::string& key);
  int num_requeues(const std::string& key) const;

  // The next key, marked as processing; nullopt once shut down. Each key
  // returned must be passed to done().
  std::optional<std::string> get();
  void done(const std::string& key);

  // Wakes every get(); keys still queued are dropped.
  void shutdown();
  bool shutting_down() const;
  std::size_t len() const;      // keys ready to be handed out
  std::size_t waiting() const;  // keys waiting for their delay

 private:
  void add_locked(const std::string& key, Clock::time_point now);
  void promote_due_locked(Clock::time_point now);
  void report_depth_locked();

  ItemRateLimiter limiter_;
  WorkQueueMetrics metrics_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::unordered_set<std::string> dirty_;
  std::unordered_set<std::string> processing_;
  std::unordered_map<std::string, Clock::time_point> added_at_;
  std::unordered_map<std::string, Clock::time_point> started_at_;
  // Delayed keys: ready time per key, and the same ordered by time.
  std::unordered_map<std::string, Clock::time_point> waiting_;
  std::set<std::pair<Clock::time_point, std::string>> by_time_;
  bool shutdown_ = false;
};

}  // namespace trove::kube
