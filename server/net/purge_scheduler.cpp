#include "net/purge_scheduler.hpp"

#include <algorithm>
#include <chrono>

namespace trove::net {

PurgeScheduler::PurgeScheduler(memory::Purger& purger)
    : purger_(purger), thread_([this] { Run(); }) {}

PurgeScheduler::~PurgeScheduler() {
  Stop();
}

void PurgeScheduler::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    queue_.clear();
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void PurgeScheduler::Request(unsigned jemalloc_index) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    if (std::find(queue_.begin(), queue_.end(), jemalloc_index) != queue_.end()) return;
    queue_.push_back(jemalloc_index);
  }
  wake_.notify_one();
}

void PurgeScheduler::Run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    const unsigned index = queue_.front();
    queue_.pop_front();
    lock.unlock();
    const auto t0 = std::chrono::steady_clock::now();
    purger_.purge_now(index);
    const auto nanos =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    durations_.Observe(static_cast<std::uint64_t>(nanos));
    lock.lock();
  }
}

}  // namespace trove::net
