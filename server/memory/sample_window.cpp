#include "memory/sample_window.hpp"

#include <algorithm>
#include <vector>

namespace trove::memory {

SampleWindow::SampleWindow(std::size_t capacity)
    : capacity_(std::max<std::size_t>(capacity, 1)),
      samples_(std::make_unique<std::atomic<std::uint64_t>[]>(capacity_)) {}

void SampleWindow::record(std::uint64_t sample) noexcept {
  const std::uint64_t n = written_.load(std::memory_order_relaxed);
  samples_[n % capacity_].store(sample, std::memory_order_relaxed);
  written_.store(n + 1, std::memory_order_release);
}

std::uint64_t SampleWindow::max_of_last(std::size_t recent) const noexcept {
  const std::uint64_t n = written_.load(std::memory_order_relaxed);
  const std::uint64_t take = std::min<std::uint64_t>({recent, n, capacity_});
  std::uint64_t best = 0;
  for (std::uint64_t i = 0; i < take; ++i) {
    best = std::max(best, samples_[(n - 1 - i) % capacity_].load(std::memory_order_relaxed));
  }
  return best;
}

WindowSummary SampleWindow::summary() const {
  const std::uint64_t n = written_.load(std::memory_order_acquire);
  const std::size_t count = static_cast<std::size_t>(std::min<std::uint64_t>(n, capacity_));
  WindowSummary out;
  out.count = count;
  if (count == 0) return out;
  std::vector<std::uint64_t> sorted(count);
  for (std::size_t i = 0; i < count; ++i) {
    sorted[i] = samples_[(n - 1 - i) % capacity_].load(std::memory_order_relaxed);
  }
  std::sort(sorted.begin(), sorted.end());
  // Nearest-rank percentile: the smallest sample ≥ p of the window.
  const auto rank = [&](double p) {
    const auto r = static_cast<std::size_t>(p * static_cast<double>(count) + 0.999999);
    return sorted[std::clamp<std::size_t>(r, 1, count) - 1];
  };
  out.p50 = rank(0.50);
  out.p90 = rank(0.90);
  out.p99 = rank(0.99);
  out.max = sorted.back();
  return out;
}

}  // namespace trove::memory
