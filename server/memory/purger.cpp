#include "memory/purger.hpp"

#include <algorithm>
#include <chrono>

#include "memory/jemalloc_arena.hpp"
#include "memory/jemalloc_stats.hpp"

#if TROVE_HAVE_JEMALLOC
#include <jemalloc/jemalloc.h>

#include <string>
#endif

namespace trove::memory {

namespace {

// Dirty bytes the purge is about to return (read before timing it: the
// stats refresh walks every arena and is not part of the purge).
std::size_t dirty_bytes(unsigned index) {
  if (auto figures = JemallocStats::arena(index)) return figures->dirty_bytes;
  return 0;
}

// `arena.<i>.purge` for an arena owned by a worker's EpochArena.
bool purge_arena(unsigned index) {
#if TROVE_HAVE_JEMALLOC
  const std::string key = "arena." + std::to_string(index) + ".purge";
  return mallctl(key.c_str(), nullptr, nullptr, nullptr, 0) == 0;
#else
  (void)index;
  return true;
#endif
}

}  // namespace

Purger::Purger() : thread_([this] { run(); }) {}

Purger::~Purger() {
  stop();
}

void Purger::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    queue_.clear();
  }
  wake_.notify_all();
  idle_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Purger::request(unsigned jemalloc_index) {
  requests_.fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    if (std::find(queue_.begin(), queue_.end(), jemalloc_index) != queue_.end()) return;
    queue_.push_back(jemalloc_index);
  }
  wake_.notify_one();
}

void Purger::wait_idle() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return queue_.empty() && !busy_; });
}

std::size_t Purger::purge_now(unsigned jemalloc_index) {
  std::lock_guard record(record_mutex_);
  const std::size_t dirty = dirty_bytes(jemalloc_index);
  const auto start = std::chrono::steady_clock::now();
  const bool ok = purge_arena(jemalloc_index);
  const auto nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
          .count();
  purge_window_.record(static_cast<std::uint64_t>(nanos));
  purges_.fetch_add(1, std::memory_order_relaxed);
  if (!ok) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    return 0;
  }
  purged_bytes_.fetch_add(dirty, std::memory_order_relaxed);
  return dirty;
}

void Purger::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;  // stop() dropped what was queued
    const unsigned index = queue_.front();
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    purge_timed(index);
    lock.lock();
    busy_ = false;
    if (queue_.empty()) idle_.notify_all();
  }
}

void Purger::purge_timed(unsigned jemalloc_index) {
  const auto start = std::chrono::steady_clock::now();
  purge_now(jemalloc_index);
  const auto nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
          .count();
  durations_.observe(static_cast<std::uint64_t>(nanos));
}

PurgerStats Purger::stats() const {
  PurgerStats s;
  s.requests = requests_.load(std::memory_order_relaxed);
  s.purges = purges_.load(std::memory_order_relaxed);
  s.purged_bytes = purged_bytes_.load(std::memory_order_relaxed);
  s.failures = failures_.load(std::memory_order_relaxed);
  s.purge_nanos = purge_window_.summary();
  return s;
}

}  // namespace trove::memory
