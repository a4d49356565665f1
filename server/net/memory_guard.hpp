// The process-wide memory budget (--max-memory-mib): a thread reads the
// allocator's live bytes (jemalloc stats.allocated; without jemalloc the
// process RSS) every kRefresh and sets one flag that the workers read on
// new connections and ingest batches: a relaxed load, nothing per request
// beyond it. Past the budget new connections and ingest batches get 503 with
// Retry-After; existing connections (subscribers) keep being served, and
// nothing acknowledged is dropped. An episode ends once use falls below
// kResumeFraction of the budget, so a process at the edge does not flap; it
// is logged once when it begins and once when it ends.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace trove::net {

class MemoryGuard {
 public:
  // Often enough that a burst of connections is refused within a tenth of a
  // second; a refresh costs a few microseconds (one mallctl epoch + read).
  static constexpr auto kRefresh = std::chrono::milliseconds(100);
  static constexpr double kResumeFraction = 0.9;
  // What a refused client is told to wait, seconds (Retry-After).
  static constexpr int kRetryAfterSeconds = 1;

  // `budget_bytes` 0 = off: over() is always false and no thread runs.
  explicit MemoryGuard(std::uint64_t budget_bytes);
  ~MemoryGuard();
  MemoryGuard(const MemoryGuard&) = delete;
  MemoryGuard& operator=(const MemoryGuard&) = delete;

  // Any thread.
  [[nodiscard]] bool over() const noexcept { return over_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t budget_bytes() const noexcept { return budget_; }
  [[nodiscard]] std::uint64_t used_bytes() const noexcept {
    return used_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t episodes() const noexcept {
    return episodes_.load(std::memory_order_relaxed);
  }

  // Reads the figure once and updates the flag (the thread's step; tests).
  void refresh();

 private:
  void run();

  const std::uint64_t budget_;
  std::atomic<bool> over_{false};
  std::atomic<std::uint64_t> used_{0};
  std::atomic<std::uint64_t> episodes_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

// Bytes the process uses by the budget's measure: jemalloc's allocated
// bytes, or the resident set without jemalloc.
std::uint64_t memory_in_use() noexcept;

}  // namespace trove::net
