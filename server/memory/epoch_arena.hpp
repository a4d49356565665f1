#pragma once
// EpochArena: the per-worker bump allocator that ingest parses into
// (docs/design.md, Memory model).
//
// Memory comes in large aligned chunks (default 2 MiB) taken with mallocx from
// the worker's own JemallocArena. allocate() bumps a pointer inside the current
// chunk; reset() at the epoch boundary rewinds to the first chunk in O(1) and
// keeps the chunks, so the next epoch faults nothing in. Nothing is freed one
// object at a time and destructors of arena objects do nothing.
//
//   * Allocations larger than a chunk are taken whole from the same jemalloc
//     arena and released at reset().
//   * When an epoch needs more than the configured capacity the arena keeps
//     taking chunks (it never puts request data on the general heap) and counts
//     the epoch as an overflow, for the autotuner.
//   * trim() hands the chunks above the recent high-water (plus slack, never
//     above capacity) back to the jemalloc arena, at most N per call; a Purger
//     thread then purges them (`arena.<i>.purge`) off the worker.
//   * set_capacity() may be called from any thread; it applies at the next reset().
//   * In ASan builds reset memory is poisoned, so a read of last epoch's data
//     is reported; allocate() unpoisons exactly what it hands out.
//
// Thread safety: one owner thread calls allocate/reset/trim. stats(),
// set_capacity() and the pin counter are safe from any thread.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <vector>

#include "memory/jemalloc_arena.hpp"
#include "memory/sample_window.hpp"

#if TROVE_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace trove::memory {

inline constexpr std::size_t kMiB = std::size_t{1} << 20;

struct EpochArenaConfig {
  // Bytes an epoch is expected to need (--arena-mib). Going past it is an overflow.
  std::size_t capacity_bytes = 128 * kMiB;
  // Chunk size: a power of two ≥ 64 KiB. 2 MiB = one transparent huge page,
  // and small enough that one chunk's purge (~120 µs) stays a short step.
  std::size_t chunk_bytes = 2 * kMiB;
  // Extra bytes kept above the recent high-water so a slightly busier epoch
  // does not fault pages back in.
  std::size_t trim_slack_bytes = 4 * kMiB;
  // "Recent": how many completed epochs the high-water is taken over
  // (64 × 16 ms ≈ 1 s: a burst is remembered for about a second).
  std::size_t high_water_epochs = 64;
  // trim() releases at most this many chunks per call (one epoch tick):
  // bounds the purge work one tick hands the purger.
  std::size_t trim_chunks_per_tick = 4;
  // How many epochs the stats windows (high-water, reset time) keep.
  std::size_t stats_window = 1024;
  // Ask for transparent huge pages on each new chunk (madvise MADV_HUGEPAGE;
  // jemalloc builds, chunks that are whole aligned huge pages). Measured
  // here: purge ~5 µs/MiB instead of ~85 µs/MiB with 4 KiB pages
  // (trove-microbench BM_PurgePerMiB). A chunk's RSS is then all or nothing,
  // which bump allocation fills anyway. A no-op where THP is disabled.
  bool huge_pages = true;
};

struct EpochArenaStats {
  std::uint64_t epochs = 0;        // completed resets
  std::size_t capacity_bytes = 0;  // capacity in force this epoch
  std::size_t chunk_bytes = 0;
  std::size_t resident_bytes = 0;         // chunks held + live large blocks
  std::size_t chunks = 0;                 // chunks held
  std::size_t used_bytes = 0;             // bytes handed out this epoch (incl. large)
  std::size_t last_high_water_bytes = 0;  // used_bytes of the last completed epoch
  std::uint64_t overflows = 0;            // epochs that needed more than capacity
  std::uint64_t large_allocations = 0;    // allocations bigger than a chunk, total
  std::uint64_t chunks_trimmed = 0;       // chunks handed back by trim(), total
  std::uint64_t allocation_failures = 0;  // mallocx/aligned_alloc returned null
  WindowSummary high_water;               // per-epoch high-water, bytes
  WindowSummary reset_nanos;              // reset() duration, ns
};

class EpochArena {
 public:
  // Creates the worker's dedicated jemalloc arena. Takes no chunk yet.
  explicit EpochArena(EpochArenaConfig config = {});
  ~EpochArena();
  EpochArena(const EpochArena&) = delete;
  EpochArena& operator=(const EpochArena&) = delete;

  // Bump-allocates `bytes` aligned to `alignment` (a power of two ≤ 4096).
  // Never returns nullptr: throws std::bad_alloc if the OS refuses memory.
  void* allocate(std::size_t bytes, std::size_t alignment = alignof(std::max_align_t)) {
    const std::uintptr_t aligned = (cursor_ + (alignment - 1)) & ~(std::uintptr_t{alignment} - 1);
    if (aligned <= limit_ && bytes <= limit_ - aligned) [[likely]] {
      cursor_ = aligned + bytes;
      void* block = reinterpret_cast<void*>(aligned);
#if TROVE_ASAN
      ASAN_UNPOISON_MEMORY_REGION(block, bytes);
#endif
      return block;
    }
    return allocate_slow(bytes, alignment);
  }

  // Typed helper: storage for `count` T's (not constructed).
  template <class T>
  T* allocate_array(std::size_t count) {
    return static_cast<T*>(allocate(sizeof(T) * count, alignof(T)));
  }

  // Epoch boundary: rewinds to the first chunk (O(1) in chunks held; large
  // blocks are released), records the epoch's high-water, applies a pending
  // capacity, and in ASan builds poisons what the epoch used. Everything
  // allocated before is invalid afterwards. Returns false (and does nothing)
  // while the arena is pinned.
  bool reset();

  // Hands back to the jemalloc arena up to `max_chunks` chunks above
  // max(recent high-water + slack) capped at capacity (at least one chunk is
  // kept). Returns how many were released; their pages stay dirty until the
  // Purger purges index(). Call it right after reset(), once per tick.
  std::size_t trim(std::size_t max_chunks);
  // trim(config.trim_chunks_per_tick).
  std::size_t trim() {
    return trim(config_.trim_chunks_per_tick);
  }

  // New capacity (bytes, > 0), applied at the next reset(). Any thread.
  void set_capacity(std::size_t bytes) noexcept {
    pending_capacity_.store(bytes, std::memory_order_release);
  }

  // Pins keep reset() from running while a buffer built in this epoch is
  // still referenced across an async boundary. Any thread.
  void pin() noexcept {
    pins_.fetch_add(1, std::memory_order_acq_rel);
  }
  void unpin() noexcept {
    pins_.fetch_sub(1, std::memory_order_acq_rel);
  }
  std::uint32_t pins() const noexcept {
    return pins_.load(std::memory_order_acquire);
  }

  // Snapshot of the figures above. Any thread (values are relaxed atomics;
  // the windows' summaries allocate a scratch copy).
  EpochArenaStats stats() const;

  // Bytes handed out so far this epoch (owner thread).
  std::size_t used_bytes() const noexcept;
  std::size_t chunk_bytes() const noexcept {
    return config_.chunk_bytes;
  }
  std::size_t capacity_bytes() const noexcept {
    return capacity_.load(std::memory_order_relaxed);
  }
  // The backing jemalloc arena's index, for Purger::request().
  unsigned jemalloc_index() const noexcept {
    return backing_.index();
  }
  JemallocArena& backing() noexcept {
    return backing_;
  }
  const EpochArenaConfig& config() const noexcept {
    return config_;
  }

 private:
  struct LargeBlock {
    void* block;
    std::size_t bytes;
    std::size_t alignment;
  };

  void* allocate_slow(std::size_t bytes, std::size_t alignment);
  void* allocate_large(std::size_t bytes, std::size_t alignment);
  bool enter_chunk(std::size_t index);
  void release_large_blocks() noexcept;
  void publish_sizes() noexcept;

  EpochArenaConfig config_;
  JemallocArena backing_;

  // Hot state (owner thread only).
  std::uintptr_t cursor_ = 0;
  std::uintptr_t limit_ = 0;
  std::size_t current_chunk_ =
      0;                         // chunks entered this epoch; chunks_[current_chunk_-1] is filling
  std::size_t large_bytes_ = 0;  // bytes of large blocks this epoch
  bool overflowed_this_epoch_ = false;

  std::vector<void*> chunks_;  // reserved once; never reallocates on the hot path
  std::vector<LargeBlock> large_;

  SampleWindow high_water_window_;
  SampleWindow reset_window_;

  std::atomic<std::size_t> capacity_;
  std::atomic<std::size_t> pending_capacity_{0};
  std::atomic<std::uint32_t> pins_{0};
  std::atomic<std::uint64_t> epochs_{0};
  std::atomic<std::uint64_t> overflows_{0};
  std::atomic<std::uint64_t> large_allocations_{0};
  std::atomic<std::uint64_t> chunks_trimmed_{0};
  std::atomic<std::uint64_t> allocation_failures_{0};
  std::atomic<std::size_t> chunk_count_{0};
  std::atomic<std::size_t> large_resident_{0};
  std::atomic<std::size_t> used_published_{0};
  std::atomic<std::size_t> last_high_water_{0};
};

}  // namespace trove::memory
