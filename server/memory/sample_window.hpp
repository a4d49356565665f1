#pragma once
// A fixed ring of the last N samples (epoch high-waters, reset and purge
// durations) written by one thread and summarised from any thread, for the
// admin stats percentiles (docs/contracts.md, /admin/v1/stats).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace trove::memory {

struct WindowSummary {
  std::size_t count = 0;  // samples in the window (≤ capacity)
  std::uint64_t p50 = 0;
  std::uint64_t p90 = 0;
  std::uint64_t p99 = 0;
  std::uint64_t max = 0;
};

class SampleWindow {
 public:
  // capacity: how many recent samples are kept (≥ 1). Allocates once, here.
  explicit SampleWindow(std::size_t capacity = 1024);

  // One writer thread at a time; never allocates.
  void record(std::uint64_t sample) noexcept;

  // Any thread; allocates a scratch copy to sort. Samples written during the
  // call may or may not be included.
  WindowSummary summary() const;

  // Largest of the last `recent` samples (≤ capacity); 0 if none. Writer thread.
  std::uint64_t max_of_last(std::size_t recent) const noexcept;

  std::uint64_t total_recorded() const noexcept { return written_.load(std::memory_order_acquire); }
  std::size_t capacity() const noexcept { return capacity_; }

 private:
  std::size_t capacity_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> samples_;
  std::atomic<std::uint64_t> written_{0};
};

}  // namespace trove::memory
