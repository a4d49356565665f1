#pragma once
// Where the ingest path takes its per-message memory from (--allocator).
// Chosen once at start so a benchmark can compare the strategies on one
// binary and one workload (docs/design.md, Memory model).

#include <optional>
#include <string_view>

namespace trove::memory {

enum class AllocatorStrategy {
  epoch,     // bump allocation from the worker's EpochArena, reset per epoch (default)
  jemalloc,  // one mallocx/sdallocx pair per message on the general jemalloc heap
  system,    // one malloc/free pair per message on glibc's allocator (__libc_malloc
             // when jemalloc is the process allocator, so the comparison is real)
};

// "epoch" | "jemalloc" | "system" (exact, lower case); nullopt for anything else.
std::optional<AllocatorStrategy> parse_allocator_strategy(std::string_view text) noexcept;

// The spelling parse_allocator_strategy accepts.
std::string_view to_string(AllocatorStrategy strategy) noexcept;

}  // namespace trove::memory
