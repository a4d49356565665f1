#include "store/payload_spill.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <new>

namespace trove::store {

namespace {

constexpr std::size_t kBlockAlign = 64;  // a cache line: blocks never share one
constexpr unsigned kClassBits = 8;       // low bits of a handle: size class + 1
constexpr std::uint64_t kClassMask = (1U << kClassBits) - 1;
// Four classes per doubling: a payload wastes at most a quarter of its block.
constexpr std::size_t kClassesPerDoubling = 4;

std::vector<std::size_t> size_classes(std::size_t largest) {
  std::vector<std::size_t> classes;
  for (std::size_t size = kBlockAlign;;) {
    classes.push_back(size);
    if (size >= largest) break;
    const std::size_t step = std::max(kBlockAlign, std::bit_floor(size) / kClassesPerDoubling);
    size += step;
  }
  return classes;
}

}  // namespace

PayloadSpill::PayloadSpill(std::size_t reserve_bytes, std::size_t largest_block, bool huge_pages)
    : reserve_bytes_(reserve_bytes / kBlockAlign * kBlockAlign),
      huge_pages_(huge_pages),
      classes_(size_classes(largest_block)),
      free_lists_(std::make_unique<FreeList[]>(classes_.size())) {
  if (reserve_bytes_ == 0) return;
  // MAP_NORESERVE: the reservation is an upper bound, not a commitment;
  // memory is committed page by page as blocks are first written.
  void* p = mmap(nullptr, reserve_bytes_, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  // Advice only, as for the slots (box_store.cpp, map_zeroed).
  madvise(p, reserve_bytes_, huge_pages_ ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
  base_ = static_cast<std::byte*>(p);
}

PayloadSpill::~PayloadSpill() {
  if (base_ != nullptr) munmap(base_, reserve_bytes_);
}

std::size_t PayloadSpill::class_of(std::size_t bytes) const noexcept {
  return static_cast<std::size_t>(std::lower_bound(classes_.begin(), classes_.end(), bytes) -
                                  classes_.begin());
}

PayloadSpill::Handle PayloadSpill::carve(std::size_t size_class) noexcept {
  const std::size_t size = classes_[size_class];
  std::size_t top = top_.load(std::memory_order_relaxed);
  do {
    if (reserve_bytes_ - top < size) return kNoBlock;
  } while (!top_.compare_exchange_weak(top, top + size, std::memory_order_relaxed));
  return (static_cast<std::uint64_t>(top / kBlockAlign) << kClassBits) | (size_class + 1);
}

PayloadSpill::Handle PayloadSpill::allocate(std::size_t bytes) noexcept {
  const std::size_t size_class = class_of(bytes);
  if (size_class >= classes_.size() || base_ == nullptr) {
    refused_.fetch_add(1, std::memory_order_relaxed);
    return kNoBlock;
  }
  Handle block = kNoBlock;
  {
    FreeList& list = free_lists_[size_class];
    const std::lock_guard lock(list.mutex);
    if (list.head != 0) {
      const std::uint64_t offset = list.head - 1;
      block = (offset << kClassBits) | (size_class + 1);
      // The free block's first word links to the next free one.
      list.head = words(block)[0].load(std::memory_order_relaxed);
    }
  }
  if (block == kNoBlock) block = carve(size_class);
  if (block == kNoBlock) {
    refused_.fetch_add(1, std::memory_order_relaxed);
    return kNoBlock;
  }
  used_bytes_.fetch_add(classes_[size_class], std::memory_order_relaxed);
  return block;
}

void PayloadSpill::release(Handle block) noexcept {
  if (block == kNoBlock) return;
  const std::size_t size_class = (block & kClassMask) - 1;
  FreeList& list = free_lists_[size_class];
  {
    const std::lock_guard lock(list.mutex);
    words(block)[0].store(list.head, std::memory_order_relaxed);
    list.head = (block >> kClassBits) + 1;
  }
  used_bytes_.fetch_sub(classes_[size_class], std::memory_order_relaxed);
}

std::atomic<std::uint64_t>* PayloadSpill::words(Handle block) const noexcept {
  const std::uint64_t size_class = block & kClassMask;
  if (size_class == 0 || size_class > classes_.size()) return nullptr;
  const std::uint64_t offset = (block >> kClassBits) * kBlockAlign;
  if (offset >= reserve_bytes_ || reserve_bytes_ - offset < classes_[size_class - 1]) {
    return nullptr;
  }
  return std::launder(reinterpret_cast<std::atomic<std::uint64_t>*>(base_ + offset));
}

std::size_t PayloadSpill::capacity_of(Handle block) const noexcept {
  const std::uint64_t size_class = block & kClassMask;
  if (size_class == 0 || size_class > classes_.size()) return 0;
  return classes_[size_class - 1];
}

bool PayloadSpill::same_class(Handle block, std::size_t bytes) const noexcept {
  const std::uint64_t size_class = block & kClassMask;
  return size_class != 0 && class_of(bytes) + 1 == size_class;
}

}  // namespace trove::store
