#pragma once
// PayloadSpill: where BoxStore keeps payloads too large for a slot's inline
// bytes (docs/design.md, "Box store: variable-size payloads").
//
// One virtual reservation, made once at start and never grown or unmapped:
// pages cost resident memory only once a block on them is first written, so
// the store grows with the payloads actually stored, not with the largest
// one allowed. Blocks come in size classes (four per doubling, multiples of
// 64 bytes: at most a quarter wasted), carved from the reservation by a bump
// pointer and, once freed, kept on their class's free list for the next
// payload of that class (resident memory is the high-water of each class).
//
// Readers never take a lock: a block handle and the block's bytes are read
// under the owning slot's seqlock, and because the reservation stays mapped a
// reader that raced a writer (old block freed, even reused by another box)
// reads valid memory whose bytes its sequence check then discards. The bytes
// are 8-byte atomics, like the slots', so the race is data-race free.
//
// Thread safety: allocate and release lock their class's free list (writers
// of large payloads only; inline payloads never come here); words() and
// capacity_of() are lock-free.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace trove::store {

class PayloadSpill {
 public:
  // A block handle: 0 = none. Encodes the block's offset (in 64-byte units)
  // and its size class, so one 64-bit word in the slot names a block.
  using Handle = std::uint64_t;
  static constexpr Handle kNoBlock = 0;

  // Reserves `reserve_bytes` (0: no spill, every allocate fails) for blocks
  // of up to `largest_block` bytes. Throws std::bad_alloc if the reservation
  // is refused.
  PayloadSpill(std::size_t reserve_bytes, std::size_t largest_block, bool huge_pages);
  ~PayloadSpill();
  PayloadSpill(const PayloadSpill&) = delete;
  PayloadSpill& operator=(const PayloadSpill&) = delete;

  // A block of at least `bytes`, or kNoBlock when the reservation is used up.
  Handle allocate(std::size_t bytes) noexcept;
  // Returns a block to its class's free list. Readers may still be reading
  // it: their seqlock check discards what they read.
  void release(Handle block) noexcept;

  // The block's words, or nullptr for a handle that names no block inside
  // the reservation (a handle read while its slot was being written).
  std::atomic<std::uint64_t>* words(Handle block) const noexcept;
  // Usable bytes of the block (its class size); 0 for kNoBlock.
  std::size_t capacity_of(Handle block) const noexcept;
  // Whether a payload of `bytes` would take a block of `block`'s class:
  // a rewrite of the same class reuses the block in place.
  bool same_class(Handle block, std::size_t bytes) const noexcept;

  std::size_t reserved_bytes() const noexcept { return reserve_bytes_; }
  // Bytes of blocks holding a payload now (class sizes).
  std::size_t used_bytes() const noexcept { return used_bytes_.load(std::memory_order_relaxed); }
  // Bytes ever carved from the reservation: the spill's resident high-water.
  std::size_t carved_bytes() const noexcept { return top_.load(std::memory_order_relaxed); }
  // Allocations refused because the reservation was used up.
  std::uint64_t refused() const noexcept { return refused_.load(std::memory_order_relaxed); }

 private:
  struct FreeList {
    std::mutex mutex;
    std::uint64_t head = 0;  // offset + 1 of the first free block, 0 = empty
  };

  std::size_t class_of(std::size_t bytes) const noexcept;  // classes_.size() if too large
  Handle carve(std::size_t size_class) noexcept;

  std::size_t reserve_bytes_;
  bool huge_pages_;
  std::vector<std::size_t> classes_;  // ascending class sizes, multiples of 64
  std::unique_ptr<FreeList[]> free_lists_;
  std::byte* base_ = nullptr;
  std::atomic<std::size_t> top_{0};
  std::atomic<std::size_t> used_bytes_{0};
  std::atomic<std::uint64_t> refused_{0};
};

}  // namespace trove::store
