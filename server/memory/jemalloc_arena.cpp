#include "memory/jemalloc_arena.hpp"

#include <sys/types.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

#if TROVE_HAVE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

namespace trove::memory {

#if TROVE_HAVE_JEMALLOC

namespace {
// -1: never decay. Pages freed into the arena stay dirty until an explicit
// `arena.<i>.purge`, so no purge ever runs on a worker behind its back.
constexpr ssize_t kDecayNever = -1;

std::string arena_key(unsigned index, const char* leaf) {
  return "arena." + std::to_string(index) + "." + leaf;
}

int flags_for(unsigned index, std::size_t alignment) {
  return static_cast<int>(MALLOCX_ARENA(index)) | MALLOCX_TCACHE_NONE |
         static_cast<int>(MALLOCX_ALIGN(alignment));
}
}  // namespace

JemallocArena::JemallocArena() {
  unsigned index = 0;
  std::size_t size = sizeof(index);
  if (mallctl("arenas.create", &index, &size, nullptr, 0) != 0) {
    throw std::runtime_error("jemalloc: arenas.create failed (arena limit reached?)");
  }
  index_ = index;
  for (const char* leaf : {"dirty_decay_ms", "muzzy_decay_ms"}) {
    ssize_t never = kDecayNever;
    const std::string key = arena_key(index_, leaf);
    if (mallctl(key.c_str(), nullptr, nullptr, &never, sizeof(never)) != 0) {
      throw std::runtime_error("jemalloc: cannot set " + key);
    }
  }
}

JemallocArena::~JemallocArena() {
  // Returns the arena's index to jemalloc for reuse (tests create many).
  const std::string key = arena_key(index_, "destroy");
  mallctl(key.c_str(), nullptr, nullptr, nullptr, 0);
}

void* JemallocArena::allocate(std::size_t bytes, std::size_t alignment) noexcept {
  return mallocx(bytes, flags_for(index_, alignment));
}

void JemallocArena::deallocate(void* block, std::size_t bytes, std::size_t alignment) noexcept {
  if (block != nullptr) sdallocx(block, bytes, flags_for(index_, alignment));
}

bool JemallocArena::purge() noexcept {
  const std::string key = arena_key(index_, "purge");
  return mallctl(key.c_str(), nullptr, nullptr, nullptr, 0) == 0;
}

std::size_t JemallocArena::dirty_bytes() const noexcept {
  std::uint64_t epoch = 1;
  std::size_t size = sizeof(epoch);
  mallctl("epoch", &epoch, &size, &epoch, size);
  const std::string key = "stats.arenas." + std::to_string(index_) + ".pdirty";
  std::size_t pages = 0;
  size = sizeof(pages);
  if (mallctl(key.c_str(), &pages, &size, nullptr, 0) != 0) return 0;
  std::size_t page = 0;
  size = sizeof(page);
  if (mallctl("arenas.page", &page, &size, nullptr, 0) != 0) return 0;
  return pages * page;
}

#else  // Sanitizer builds: the sanitizer's allocator owns every byte.

JemallocArena::JemallocArena() = default;
JemallocArena::~JemallocArena() = default;

void* JemallocArena::allocate(std::size_t bytes, std::size_t alignment) noexcept {
  // aligned_alloc wants a size that is a multiple of the alignment.
  const std::size_t rounded = (bytes + alignment - 1) & ~(alignment - 1);
  return std::aligned_alloc(alignment, rounded);
}

void JemallocArena::deallocate(void* block, std::size_t /*bytes*/,
                               std::size_t /*alignment*/) noexcept {
  std::free(block);  // NOLINT(cppcoreguidelines-no-malloc): pairs with aligned_alloc
}

bool JemallocArena::purge() noexcept {
  return true;
}

std::size_t JemallocArena::dirty_bytes() const noexcept {
  return 0;
}

#endif

}  // namespace trove::memory
