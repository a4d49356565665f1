// Counters and histograms with one writer thread each: the writer updates
// them with a relaxed load+store (no locked instruction on its hot path),
// the scraper reads them with relaxed loads. The workers' metrics
// (net/worker_metrics.hpp) and the purger's purge durations are these.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace trove::memory {

// A counter with one writer thread.
class LocalCounter {
 public:
  void add(std::uint64_t n = 1) noexcept {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t get() const noexcept {
    return value_.load(std::memory_order_relaxed);
  }

 private:
  std::atomic<std::uint64_t> value_{0};
};

template <std::size_t N>
class LocalHistogram {
 public:
  explicit LocalHistogram(const std::array<double, N>& bounds) noexcept : bounds_(bounds) {}
  void observe(std::uint64_t nanos) noexcept {
    const double seconds = static_cast<double>(nanos) * 1e-9;
    std::size_t i = 0;
    while (i < N && seconds > bounds_[i])
      ++i;
    buckets_[i].add();
    sum_nanos_.add(nanos);
  }
  // Non-cumulative bucket counts, the last one being +Inf.
  [[nodiscard]] std::uint64_t bucket(std::size_t i) const noexcept { return buckets_[i].get(); }
  [[nodiscard]] std::uint64_t sum_nanos() const noexcept { return sum_nanos_.get(); }
  [[nodiscard]] const std::array<double, N>& bounds() const noexcept { return bounds_; }

 private:
  const std::array<double, N>& bounds_;
  std::array<LocalCounter, N + 1> buckets_;
  LocalCounter sum_nanos_;
};

// Epoch resets are sub-microsecond by design, purges ~100 µs per chunk.
inline constexpr std::array<double, 12> kEpochBoundsSeconds = {
    250e-9, 500e-9, 1e-6, 2.5e-6, 5e-6, 10e-6, 25e-6, 100e-6, 250e-6, 1e-3, 5e-3, 25e-3};
using EpochHistogram = LocalHistogram<kEpochBoundsSeconds.size()>;

}  // namespace trove::memory
