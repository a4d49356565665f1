// The live tuning (arena size, epoch length, generation, owner): written by
// the admin API, read by every worker at its epoch boundary.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <utility>

#include "trove/common/tuning.hpp"

namespace trove::net {

class TuningState {
 public:
  explicit TuningState(common::Tuning initial) : current_(std::move(initial)) {}

  [[nodiscard]] common::Tuning get() const {
    std::lock_guard lock(mutex_);
    return current_;
  }

  enum class UpdateResult { kApplied, kTakenOver, kUnchanged, kStale };
  // Stale: the same owner with proposed.generation < current generation. The
  // same owner and generation with the same values is kUnchanged
  // (idempotent). A different owner is never stale, whatever its generation:
  // it takes over (kTakenOver). Anything else applies.
  UpdateResult update(const common::Tuning& proposed) {
    std::lock_guard lock(mutex_);
    const bool same_owner = proposed.owner == current_.owner;
    if (same_owner && proposed.generation < current_.generation) return UpdateResult::kStale;
    if (proposed == current_) return UpdateResult::kUnchanged;
    current_ = proposed;
    changes_.fetch_add(1, std::memory_order_release);
    return same_owner ? UpdateResult::kApplied : UpdateResult::kTakenOver;
  }

  // Bumped on every applied change: a worker compares it at its epoch
  // boundary and only then takes the mutex.
  [[nodiscard]] std::uint64_t changes() const noexcept {
    return changes_.load(std::memory_order_acquire);
  }

 private:
  mutable std::mutex mutex_;
  common::Tuning current_;
  std::atomic<std::uint64_t> changes_{0};
};

}  // namespace trove::net
