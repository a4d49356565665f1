#pragma once
// Allocators backed by the worker's EpochArena, so JSON rendering and DOMs
// built during an epoch live and die with it.
//
//   * RapidJsonArenaAllocator: a RapidJSON Allocator (the concept
//     MemoryPoolAllocator/CrtAllocator model): kNeedFree = false, Free is a
//     no-op, Realloc copies into a new block (the old one dies at reset).
//   * ArenaStdAllocator<T>: a std:: allocator for containers scoped to an epoch.
//
// Both must only be used on the arena's owner thread and never outlive the epoch.

#include <cstddef>
#include <cstring>

#include "memory/epoch_arena.hpp"

namespace trove::memory {

class RapidJsonArenaAllocator {
 public:
  static const bool kNeedFree = false;

  // RapidJSON may default-construct an allocator it owns; such an allocator
  // has no arena and Malloc returns nullptr (RapidJSON then asserts). Always
  // pass an explicitly constructed one.
  RapidJsonArenaAllocator() noexcept = default;
  explicit RapidJsonArenaAllocator(EpochArena& arena) noexcept : arena_(&arena) {}

  void* Malloc(std::size_t size) {
    if (size == 0 || arena_ == nullptr) return nullptr;
    return arena_->allocate(size, kAlignment);
  }
  void* Realloc(void* original, std::size_t original_size, std::size_t new_size) {
    if (original == nullptr) return Malloc(new_size);
    if (new_size == 0) return nullptr;
    if (new_size <= original_size) return original;
    void* grown = Malloc(new_size);
    if (grown != nullptr) std::memcpy(grown, original, original_size);
    return grown;
  }
  static void Free(void* /*block*/) noexcept {}

  EpochArena* arena() const noexcept { return arena_; }
  bool operator==(const RapidJsonArenaAllocator& other) const noexcept {
    return arena_ == other.arena_;
  }
  bool operator!=(const RapidJsonArenaAllocator& other) const noexcept { return !(*this == other); }

 private:
  // RapidJSON's own pool aligns to 8 (RAPIDJSON_ALIGN); match it.
  static constexpr std::size_t kAlignment = 8;
  EpochArena* arena_ = nullptr;
};

template <class T>
class ArenaStdAllocator {
 public:
  using value_type = T;

  explicit ArenaStdAllocator(EpochArena& arena) noexcept : arena_(&arena) {}
  template <class U>
  ArenaStdAllocator(
      const ArenaStdAllocator<U>& other) noexcept  // NOLINT(google-explicit-constructor)
      : arena_(other.arena()) {}

  T* allocate(std::size_t count) { return arena_->allocate_array<T>(count); }
  void deallocate(T* /*block*/, std::size_t /*count*/) noexcept {}

  EpochArena* arena() const noexcept { return arena_; }
  template <class U>
  bool operator==(const ArenaStdAllocator<U>& other) const noexcept {
    return arena_ == other.arena();
  }

 private:
  EpochArena* arena_;
};

}  // namespace trove::memory
