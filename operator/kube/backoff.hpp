// Exponential backoff with jitter, for the reflector's retries. Defaults are
// client-go's reflector backoff manager: 800 ms doubling to 30 s, full jitter
// factor 1.0 (each wait is d..2d), reset after 2 minutes without failures.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace trove::kube {

struct BackoffConfig {
  std::chrono::milliseconds initial{800};
  std::chrono::milliseconds max{30'000};
  double factor = 2.0;
  double jitter = 1.0;  // wait = d * (1 + jitter * U[0,1))
  std::chrono::milliseconds reset_after{120'000};
};

class Backoff {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Backoff(BackoffConfig config = {}, std::uint64_t seed = std::random_device{}());

  // The next wait. Grows by `factor` per call up to `max`; if the previous
  // call was longer than `reset_after` ago, starts again from `initial`.
  std::chrono::milliseconds next(Clock::time_point now = Clock::now());
  void reset() { current_ = std::chrono::milliseconds{0}; }

 private:
  BackoffConfig config_;
  std::mt19937_64 rng_;
  std::chrono::milliseconds current_{0};
  Clock::time_point last_{};
};

// Multiplies `base` by a uniform factor in [1, 1 + jitter).
std::chrono::milliseconds jittered(std::chrono::milliseconds base, double jitter,
                                   std::mt19937_64& rng);

}  // namespace trove::kube
