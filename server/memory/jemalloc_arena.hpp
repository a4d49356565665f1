#pragma once
// A dedicated jemalloc arena owned by one worker (docs/design.md, Memory model).
//
// Created with `arenas.create`; its dirty and muzzy decay are set to -1 so
// jemalloc never purges behind the worker's back: every purge is explicit
// (`arena.<i>.purge`, run by a Purger thread). In builds without jemalloc
// (sanitizer presets, TROVE_HAVE_JEMALLOC=0) the same interface is served by
// aligned_alloc/free and purge() does nothing, so ASan/TSan own every byte.

#include <cstddef>

namespace trove::memory {

class JemallocArena {
 public:
  // Creates the arena. Throws std::runtime_error when jemalloc refuses
  // (for example when its arena limit is reached).
  JemallocArena();
  // Destroys the arena (`arena.<i>.destroy`). Every block taken from it
  // must have been returned first.
  ~JemallocArena();
  JemallocArena(const JemallocArena&) = delete;
  JemallocArena& operator=(const JemallocArena&) = delete;

  // True when this build uses real jemalloc arenas.
  static constexpr bool backed_by_jemalloc() noexcept;

  // jemalloc's arena index (for `arena.<i>.*` and `stats.arenas.<i>.*`);
  // 0 in builds without jemalloc.
  unsigned index() const noexcept { return index_; }

  // mallocx(bytes, MALLOCX_ARENA(i) | MALLOCX_TCACHE_NONE | MALLOCX_ALIGN(alignment)).
  // alignment must be a power of two; returns nullptr when out of memory.
  // Safe from any thread (jemalloc locks the arena).
  void* allocate(std::size_t bytes, std::size_t alignment) noexcept;

  // Returns a block from allocate() with the same size and alignment
  // (sdallocx). The pages stay dirty (decay is off) until purge().
  void deallocate(void* block, std::size_t bytes, std::size_t alignment) noexcept;

  // `arena.<i>.purge`: returns every dirty page of this arena to the OS.
  // Costs ~60-80 µs per MiB: call it from a Purger thread, never a worker.
  // Safe from any thread. Returns false if mallctl failed.
  bool purge() noexcept;

  // Bytes of dirty (freed, not yet purged) pages held by this arena;
  // 0 without jemalloc. Refreshes jemalloc's stats epoch first.
  std::size_t dirty_bytes() const noexcept;

 private:
  unsigned index_ = 0;
};

constexpr bool JemallocArena::backed_by_jemalloc() noexcept {
#if TROVE_HAVE_JEMALLOC
  return true;
#else
  return false;
#endif
}

}  // namespace trove::memory
