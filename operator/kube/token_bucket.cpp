#include "kube/token_bucket.hpp"

#include <algorithm>
#include <stdexcept>
#include <thread>

namespace trove::kube {

TokenBucket::TokenBucket(double qps, double burst)
    : qps_(qps), burst_(burst), tokens_(burst), last_(Clock::now()) {
  if (!(qps > 0) || !(burst >= 1))
    throw std::invalid_argument("token bucket needs qps>0, burst>=1");
}

TokenBucket::Clock::duration TokenBucket::reserve() {
  return reserve_at(Clock::now());
}

TokenBucket::Clock::duration TokenBucket::reserve_at(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (now > last_) {
    const double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(burst_, tokens_ + elapsed * qps_);
    last_ = now;
  }
  tokens_ -= 1.0;
  if (tokens_ >= 0) return Clock::duration::zero();
  return std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(-tokens_ / qps_));
}

void TokenBucket::acquire() {
  const auto wait = reserve();
  if (wait > Clock::duration::zero()) std::this_thread::sleep_for(wait);
}

}  // namespace trove::kube
