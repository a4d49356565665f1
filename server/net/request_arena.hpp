// Memory for one HTTP request's header fields. Beast's basic_fields allocates
// a node per field; with the default allocator that is a malloc/free pair per
// header per request. A session owns one RequestArena and resets it between
// requests, so a keep-alive poll loop makes no heap allocation for headers
// (the technique of Beast's http_server_fast example). Requests with more
// header bytes than fit spill to the heap; nothing is refused here (the
// parser's header_limit bounds the total).
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>

namespace trove::net {

// Releases what RequestArena::Allocate took from ::operator new(bytes). GCC
// declares the sized delete from C++14 on (with jemalloc it frees without
// looking the size up); clang 14 only with -fsized-deallocation, and there the
// unsized delete is the matching release.
inline void delete_spilled(void* p, [[maybe_unused]] std::size_t bytes) noexcept {
#if defined(__cpp_sized_deallocation)
  ::operator delete(p, bytes);
#else
  ::operator delete(p);
#endif
}

class RequestArena {
 public:
  // 4 KiB holds the headers of any ordinary poll (curl, browsers, load
  // generators send well under 1 KiB).
  static constexpr std::size_t kBytes = 4096;

  void* allocate(std::size_t bytes, std::size_t align) {
    const std::size_t at = (used_ + align - 1) & ~(align - 1);
    if (at + bytes <= kBytes) {
      used_ = at + bytes;
      return buffer_ + at;
    }
    return ::operator new(bytes);
  }
  void deallocate(void* p, std::size_t bytes) noexcept {
    if (!owns(p)) delete_spilled(p, bytes);
  }
  // Only when nothing allocated from the buffer is alive (between requests).
  void reset() noexcept { used_ = 0; }

 private:
  bool owns(const void* p) const noexcept {
    const auto* b = static_cast<const std::byte*>(p);
    return b >= buffer_ && b < buffer_ + kBytes;
  }
  alignas(std::max_align_t) std::byte buffer_[kBytes];
  std::size_t used_ = 0;
};

template <class T>
class RequestArenaAllocator {
 public:
  using value_type = T;
  explicit RequestArenaAllocator(RequestArena& arena) noexcept : arena_(&arena) {}
  template <class U>
  RequestArenaAllocator(const RequestArenaAllocator<U>& other) noexcept  // NOLINT: rebind
      : arena_(other.arena()) {}

  T* allocate(std::size_t n) {
    return static_cast<T*>(arena_->allocate(n * sizeof(T), alignof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept { arena_->deallocate(p, n * sizeof(T)); }
  RequestArena* arena() const noexcept { return arena_; }

  template <class U>
  bool operator==(const RequestArenaAllocator<U>& other) const noexcept {
    return arena_ == other.arena();
  }

 private:
  RequestArena* arena_;
};

}  // namespace trove::net
