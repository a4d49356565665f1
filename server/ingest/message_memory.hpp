#pragma once
// MessageMemory: where the ingest path's per-batch and per-message memory
// comes from, per AllocatorStrategy (internal to trove_ingest).
//   epoch    bump allocation from the worker's EpochArena; release is a no-op
//   jemalloc mallocx/sdallocx on jemalloc's general heap (thread cache on)
//   system   glibc's malloc/free, bypassing jemalloc when jemalloc is the
//            process allocator (__libc_malloc), so the comparison is real
// In builds without jemalloc, `jemalloc` and `system` both use malloc/free.

#include <cstddef>

#include "memory/allocator_strategy.hpp"
#include "memory/epoch_arena.hpp"

namespace trove::ingest {

class MessageMemory {
 public:
  MessageMemory(memory::AllocatorStrategy strategy, memory::EpochArena* arena)
      : strategy_(strategy), arena_(arena) {}

  // Returns nullptr only when the allocator has no memory left.
  void* allocate(std::size_t bytes, std::size_t alignment) noexcept;
  void release(void* block, std::size_t bytes, std::size_t alignment) noexcept;

  bool per_message_free() const noexcept { return strategy_ != memory::AllocatorStrategy::epoch; }

 private:
  memory::AllocatorStrategy strategy_;
  memory::EpochArena* arena_;
};

}  // namespace trove::ingest
