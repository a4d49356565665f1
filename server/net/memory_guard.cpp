#include "net/memory_guard.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <fstream>

#include "memory/jemalloc_stats.hpp"

namespace trove::net {

std::uint64_t memory_in_use() noexcept {
  if (const auto totals = memory::JemallocStats::totals()) return totals->allocated;
  std::ifstream statm("/proc/self/statm");
  std::uint64_t pages = 0;
  std::uint64_t resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

MemoryGuard::MemoryGuard(std::uint64_t budget_bytes) : budget_(budget_bytes) {
  if (budget_ == 0) return;
  refresh();
  thread_ = std::thread([this] { run(); });
}

MemoryGuard::~MemoryGuard() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void MemoryGuard::run() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, kRefresh, [this] { return stopping_; })) {
    lock.unlock();
    refresh();
    lock.lock();
  }
}

void MemoryGuard::refresh() {
  const std::uint64_t used = memory_in_use();
  used_.store(used, std::memory_order_relaxed);
  const bool was_over = over_.load(std::memory_order_relaxed);
  const auto resume_below =
      static_cast<std::uint64_t>(static_cast<double>(budget_) * kResumeFraction);
  if (!was_over && used > budget_) {
    over_.store(true, std::memory_order_relaxed);
    episodes_.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn(
        "memory budget exceeded: {} MiB in use, budget {} MiB (--max-memory-mib); new "
        "connections and ingest batches get 503 until use falls below {} MiB",
        used >> 20, budget_ >> 20, resume_below >> 20);
  } else if (was_over && used < resume_below) {
    over_.store(false, std::memory_order_relaxed);
    spdlog::info("memory back under budget: {} MiB in use, budget {} MiB", used >> 20,
                 budget_ >> 20);
  }
}

}  // namespace trove::net
