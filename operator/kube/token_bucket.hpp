// Token bucket: `qps` tokens per second, at most `burst` saved up. Used as
// the client-side request limiter (client-go's 20 qps / 30 burst in spirit)
// and as the work queue's overall limiter (10 qps / 100 burst).
#pragma once

#include <chrono>
#include <mutex>

namespace trove::kube {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  TokenBucket(double qps, double burst);

  // Takes one token now, possibly going into debt, and returns how long the
  // caller must wait before acting (zero when a token was available). Like
  // golang.org/x/time/rate Reserve(): waits of concurrent callers queue up.
  Clock::duration reserve();
  Clock::duration reserve_at(Clock::time_point now);  // for deterministic tests

  // reserve() then sleep for the returned delay.
  void acquire();

  double qps() const { return qps_; }
  double burst() const { return burst_; }

 private:
  const double qps_;
  const double burst_;
  std::mutex mutex_;
  double tokens_;
  Clock::time_point last_;
};

}  // namespace trove::kube
