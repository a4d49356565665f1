// The live tuning (arena size, epoch length, generation, owner): written by
// the admin API, read by every worker at its epoch boundary.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <utility>

namespace trove::net {

struct Tuning {
  std::uint64_t arena_bytes = 128ull << 20;
  std::uint64_t epoch_millis = 16;
  std::uint64_t generation = 0;
  // Who set it (the operator sends its TreasureHunt's metadata.uid; "" when
  // the writer names none). Generations only order writes of one owner: a
  // recreated hunt starts again at generation 1.
  std::string owner{};  // {} so brace-initialising the first three stays warning-free
  bool operator==(const Tuning&) const = default;
};

// Bounds from docs/contracts.md (PUT /admin/v1/tuning).
inline constexpr std::uint64_t kMinArenaBytes = 1ull << 20;
inline constexpr std::uint64_t kMaxArenaBytes = 64ull << 30;
inline constexpr std::uint64_t kMinEpochMillis = 1;
inline constexpr std::uint64_t kMaxEpochMillis = 10000;
// The owner's bound, common::kMaxTuningOwnerBytes, is shared with the
// operator (trove/common/tuning_owner.hpp).

class TuningState {
 public:
  explicit TuningState(Tuning initial) : current_(std::move(initial)) {}

  [[nodiscard]] Tuning Get() const {
    std::lock_guard lock(mutex_);
    return current_;
  }

  enum class UpdateResult { kApplied, kTakenOver, kUnchanged, kStale };
  // Stale: the same owner with proposed.generation < current generation. The
  // same owner and generation with the same values is kUnchanged
  // (idempotent). A different owner is never stale, whatever its generation:
  // it takes over (kTakenOver). Anything else applies.
  UpdateResult Update(const Tuning& proposed) {
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
  Tuning current_;
  std::atomic<std::uint64_t> changes_{0};
};

}  // namespace trove::net
