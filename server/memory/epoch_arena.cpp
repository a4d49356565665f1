#include "memory/epoch_arena.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <stdexcept>

namespace trove::memory {

namespace {

// Chunks are aligned to their size up to one huge page, so a 2 MiB chunk can
// be backed by a transparent huge page.
constexpr std::size_t kHugePage = 2 * kMiB;
constexpr std::size_t kMinChunk = 64 * 1024;
// Large blocks get at least cache-line alignment.
constexpr std::size_t kLargeAlignment = 64;

std::size_t chunk_alignment(std::size_t chunk_bytes) {
  return std::min(chunk_bytes, kHugePage);
}

std::uint64_t nanos_since(std::chrono::steady_clock::time_point start) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
          .count());
}

void poison(void* block, std::size_t bytes) {
#if TROVE_ASAN
  ASAN_POISON_MEMORY_REGION(block, bytes);
#else
  (void)block;
  (void)bytes;
#endif
}

void unpoison(void* block, std::size_t bytes) {
#if TROVE_ASAN
  ASAN_UNPOISON_MEMORY_REGION(block, bytes);
#else
  (void)block;
  (void)bytes;
#endif
}

}  // namespace

EpochArena::EpochArena(EpochArenaConfig config)
    : config_(config),
      high_water_window_(std::max(config.stats_window, config.high_water_epochs)),
      reset_window_(config.stats_window),
      capacity_(config.capacity_bytes) {
  if (!std::has_single_bit(config_.chunk_bytes) || config_.chunk_bytes < kMinChunk) {
    throw std::invalid_argument("EpochArena: chunk_bytes must be a power of two >= 64 KiB");
  }
  if (config_.capacity_bytes == 0) {
    throw std::invalid_argument("EpochArena: capacity_bytes must be > 0");
  }
  if (config_.high_water_epochs == 0) config_.high_water_epochs = 1;
  // Room for twice the capacity in chunks: the vector only grows (off the
  // hot path, once per new chunk) when an epoch overflows beyond that.
  chunks_.reserve(2 * (config_.capacity_bytes / config_.chunk_bytes) + 8);
  large_.reserve(64);
}

EpochArena::~EpochArena() {
  release_large_blocks();
  for (void* chunk : chunks_) {
    unpoison(chunk, config_.chunk_bytes);
    backing_.deallocate(chunk, config_.chunk_bytes, chunk_alignment(config_.chunk_bytes));
  }
}

std::size_t EpochArena::used_bytes() const noexcept {
  std::size_t used = large_bytes_;
  if (current_chunk_ > 0) {
    used += (current_chunk_ - 1) * config_.chunk_bytes +
            (cursor_ - reinterpret_cast<std::uintptr_t>(chunks_[current_chunk_ - 1]));
  }
  return used;
}

// current_chunk_ counts the chunks entered this epoch: the one being filled is
// chunks_[current_chunk_ - 1]; 0 means none entered yet.
bool EpochArena::enter_chunk(std::size_t index) {
  if (index == chunks_.size()) {
    void* chunk = backing_.allocate(config_.chunk_bytes, chunk_alignment(config_.chunk_bytes));
    if (chunk == nullptr) {
      allocation_failures_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    if (JemallocArena::backed_by_jemalloc() && config_.huge_pages &&
        config_.chunk_bytes % kHugePage == 0) {
      // Advice only: without THP support the chunk keeps 4 KiB pages.
      madvise(chunk, config_.chunk_bytes, MADV_HUGEPAGE);
    }
    // Nothing in a fresh chunk is handed out yet: ASan reports any access.
    poison(chunk, config_.chunk_bytes);
    chunks_.push_back(chunk);
    chunk_count_.store(chunks_.size(), std::memory_order_relaxed);
  }
  const auto base = reinterpret_cast<std::uintptr_t>(chunks_[index]);
  cursor_ = base;
  limit_ = base + config_.chunk_bytes;
  current_chunk_ = index + 1;
  if (!overflowed_this_epoch_ && current_chunk_ * config_.chunk_bytes + large_bytes_ >
                                     capacity_.load(std::memory_order_relaxed)) {
    overflowed_this_epoch_ = true;
    overflows_.fetch_add(1, std::memory_order_relaxed);
  }
  publish_sizes();
  return true;
}

void* EpochArena::allocate_slow(std::size_t bytes, std::size_t alignment) {
  if (bytes > config_.chunk_bytes) return allocate_large(bytes, alignment);
  if (!enter_chunk(current_chunk_)) throw std::bad_alloc();
  // A fresh chunk starts aligned to ≥ 64 KiB, so any alignment ≤ 4096 fits.
  return allocate(bytes, alignment);
}

void* EpochArena::allocate_large(std::size_t bytes, std::size_t alignment) {
  const std::size_t align = std::max(alignment, kLargeAlignment);
  void* block = backing_.allocate(bytes, align);
  if (block == nullptr) {
    allocation_failures_.fetch_add(1, std::memory_order_relaxed);
    throw std::bad_alloc();
  }
  large_.push_back(LargeBlock{block, bytes, align});
  large_bytes_ += bytes;
  large_allocations_.fetch_add(1, std::memory_order_relaxed);
  large_resident_.fetch_add(bytes, std::memory_order_relaxed);
  if (!overflowed_this_epoch_ && current_chunk_ * config_.chunk_bytes + large_bytes_ >
                                     capacity_.load(std::memory_order_relaxed)) {
    overflowed_this_epoch_ = true;
    overflows_.fetch_add(1, std::memory_order_relaxed);
  }
  publish_sizes();
  return block;
}

void EpochArena::release_large_blocks() noexcept {
  for (const LargeBlock& large : large_) {
    backing_.deallocate(large.block, large.bytes, large.alignment);
  }
  large_.clear();
  large_bytes_ = 0;
  large_resident_.store(0, std::memory_order_relaxed);
}

void EpochArena::publish_sizes() noexcept {
  used_published_.store(used_bytes(), std::memory_order_relaxed);
}

bool EpochArena::reset() {
  if (pins_.load(std::memory_order_acquire) != 0) return false;
  const auto start = std::chrono::steady_clock::now();
  const std::size_t high_water = used_bytes();

#if TROVE_ASAN
  // Poison exactly what this epoch handed out, so a read of it is reported.
  for (std::size_t i = 0; i + 1 < current_chunk_; ++i)
    poison(chunks_[i], config_.chunk_bytes);
  if (current_chunk_ > 0) {
    void* base = chunks_[current_chunk_ - 1];
    poison(base, cursor_ - reinterpret_cast<std::uintptr_t>(base));
  }
#endif
  if (!large_.empty()) release_large_blocks();

  if (const std::size_t pending = pending_capacity_.exchange(0, std::memory_order_acq_rel);
      pending != 0) {
    capacity_.store(pending, std::memory_order_relaxed);
  }
  // Rewind: re-enter the first chunk if there is one (no allocation here).
  if (!chunks_.empty()) {
    const auto base = reinterpret_cast<std::uintptr_t>(chunks_[0]);
    cursor_ = base;
    limit_ = base + config_.chunk_bytes;
    current_chunk_ = 1;
  } else {
    cursor_ = 0;
    limit_ = 0;
    current_chunk_ = 0;
  }
  overflowed_this_epoch_ = false;

  high_water_window_.record(high_water);
  last_high_water_.store(high_water, std::memory_order_relaxed);
  used_published_.store(0, std::memory_order_relaxed);
  epochs_.fetch_add(1, std::memory_order_relaxed);
  reset_window_.record(nanos_since(start));
  return true;
}

std::size_t EpochArena::trim(std::size_t max_chunks) {
  const std::size_t chunk = config_.chunk_bytes;
  const std::size_t recent = high_water_window_.max_of_last(config_.high_water_epochs);
  const std::size_t wanted =
      std::min(recent + config_.trim_slack_bytes, capacity_.load(std::memory_order_relaxed));
  // Keep at least one chunk, and every chunk this epoch has entered.
  const std::size_t keep = std::max({(wanted + chunk - 1) / chunk, std::size_t{1}, current_chunk_});
  std::size_t released = 0;
  while (chunks_.size() > keep && released < max_chunks) {
    void* last = chunks_.back();
    chunks_.pop_back();
    unpoison(last, chunk);
    backing_.deallocate(last, chunk, chunk_alignment(chunk));
    ++released;
  }
  if (released != 0) {
    chunk_count_.store(chunks_.size(), std::memory_order_relaxed);
    chunks_trimmed_.fetch_add(released, std::memory_order_relaxed);
  }
  return released;
}

EpochArenaStats EpochArena::stats() const {
  EpochArenaStats s;
  s.epochs = epochs_.load(std::memory_order_relaxed);
  s.capacity_bytes = capacity_.load(std::memory_order_relaxed);
  s.chunk_bytes = config_.chunk_bytes;
  s.chunks = chunk_count_.load(std::memory_order_relaxed);
  s.resident_bytes =
      s.chunks * config_.chunk_bytes + large_resident_.load(std::memory_order_relaxed);
  s.used_bytes = used_published_.load(std::memory_order_relaxed);
  s.last_high_water_bytes = last_high_water_.load(std::memory_order_relaxed);
  s.overflows = overflows_.load(std::memory_order_relaxed);
  s.large_allocations = large_allocations_.load(std::memory_order_relaxed);
  s.chunks_trimmed = chunks_trimmed_.load(std::memory_order_relaxed);
  s.allocation_failures = allocation_failures_.load(std::memory_order_relaxed);
  s.high_water = high_water_window_.summary();
  s.reset_nanos = reset_window_.summary();
  return s;
}

}  // namespace trove::memory
