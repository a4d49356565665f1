#include "kube/backoff.hpp"

#include <algorithm>

namespace trove::kube {

std::chrono::milliseconds jittered(std::chrono::milliseconds base, double jitter,
                                   std::mt19937_64& rng) {
  if (jitter <= 0) return base;
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  return std::chrono::milliseconds{
      static_cast<std::int64_t>(static_cast<double>(base.count()) * (1.0 + jitter * unit(rng)))};
}

Backoff::Backoff(BackoffConfig config, std::uint64_t seed) : config_(config), rng_(seed) {}

std::chrono::milliseconds Backoff::next(Clock::time_point now) {
  if (current_.count() != 0 && now - last_ > config_.reset_after) current_ = {};
  last_ = now;
  if (current_.count() == 0) {
    current_ = config_.initial;
  } else {
    const double grown = static_cast<double>(current_.count()) * config_.factor;
    current_ = std::chrono::milliseconds{
        static_cast<std::int64_t>(std::min(grown, static_cast<double>(config_.max.count())))};
  }
  return std::min(jittered(current_, config_.jitter, rng_), config_.max * 2);
}

}  // namespace trove::kube
