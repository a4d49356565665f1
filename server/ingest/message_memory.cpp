#include "ingest/message_memory.hpp"

#include <cstdlib>
#include <new>

#if TROVE_HAVE_JEMALLOC
#include <jemalloc/jemalloc.h>

// glibc's own allocator, still exported when jemalloc replaces malloc.
extern "C" void* __libc_malloc(std::size_t size);  // NOLINT(bugprone-reserved-identifier)
extern "C" void __libc_free(void* block);          // NOLINT(bugprone-reserved-identifier)
#endif

namespace trove::ingest {

namespace {
// malloc's guaranteed alignment; the ingest path never asks for more outside
// the epoch arena.
constexpr std::size_t kMallocAlignment = alignof(std::max_align_t);
}  // namespace

void* MessageMemory::allocate(std::size_t bytes, std::size_t alignment) noexcept {
  switch (strategy_) {
    case memory::AllocatorStrategy::epoch:
      try {
        return arena_->allocate(bytes, alignment);
      } catch (const std::bad_alloc&) {
        return nullptr;
      }
    case memory::AllocatorStrategy::jemalloc:
#if TROVE_HAVE_JEMALLOC
      return mallocx(bytes, alignment > kMallocAlignment ? MALLOCX_ALIGN(alignment) : 0);
#else
      return std::malloc(bytes);  // NOLINT(cppcoreguidelines-no-malloc)
#endif
    case memory::AllocatorStrategy::system:
#if TROVE_HAVE_JEMALLOC
      return __libc_malloc(bytes);
#else
      return std::malloc(bytes);  // NOLINT(cppcoreguidelines-no-malloc)
#endif
  }
  return nullptr;
}

void MessageMemory::release(void* block, std::size_t bytes, std::size_t alignment) noexcept {
  (void)bytes;
  (void)alignment;
  if (block == nullptr) return;
  switch (strategy_) {
    case memory::AllocatorStrategy::epoch:
      return;  // freed wholesale at the epoch reset
    case memory::AllocatorStrategy::jemalloc:
#if TROVE_HAVE_JEMALLOC
      sdallocx(block, bytes, alignment > kMallocAlignment ? MALLOCX_ALIGN(alignment) : 0);
#else
      std::free(block);           // NOLINT(cppcoreguidelines-no-malloc)
#endif
      return;
    case memory::AllocatorStrategy::system:
#if TROVE_HAVE_JEMALLOC
      __libc_free(block);
#else
      std::free(block);           // NOLINT(cppcoreguidelines-no-malloc)
#endif
      return;
  }
}

}  // namespace trove::ingest
