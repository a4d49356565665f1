#pragma once
// Reads jemalloc's own statistics, so exported memory figures are the
// allocator's truth (docs/design.md: their counter said 2.1 GB while jemalloc held
// 8.2 GB). Every read first bumps mallctl `epoch`, which refreshes jemalloc's
// cached stats. Without jemalloc every reader returns nullopt.

#include <cstddef>
#include <cstdint>
#include <optional>

namespace trove::memory {

// Process-wide `stats.*`, bytes.
struct JemallocTotals {
  std::size_t allocated = 0;  // bytes in live allocations
  std::size_t active = 0;     // bytes in active pages (≥ allocated)
  std::size_t resident = 0;   // bytes in physically resident data pages, metadata included
  std::size_t mapped = 0;     // bytes in active extents mapped by the allocator
  std::size_t retained = 0;   // virtual memory kept for reuse, not resident
  std::size_t metadata = 0;   // bytes dedicated to allocator metadata
};

// `stats.arenas.<i>.*` for one arena.
struct JemallocArenaFigures {
  std::size_t active_bytes = 0;  // pactive × page size
  std::size_t dirty_bytes = 0;   // pdirty × page size: freed, not yet purged
  std::size_t muzzy_bytes = 0;   // pmuzzy × page size
  std::size_t mapped = 0;
  std::size_t retained = 0;
  std::size_t resident = 0;
  std::uint64_t nmalloc = 0;       // small.nmalloc + large.nmalloc
  std::uint64_t ndalloc = 0;       // small.ndalloc + large.ndalloc
  std::uint64_t nrequests = 0;     // small.nrequests + large.nrequests (tcache hits included)
  std::uint64_t dirty_purged = 0;  // dirty_purged: pages purged, cumulative
};

class JemallocStats {
 public:
  static constexpr bool available() noexcept {
#if TROVE_HAVE_JEMALLOC
    return true;
#else
    return false;
#endif
  }
  // Refreshes and reads the process-wide figures.
  static std::optional<JemallocTotals> totals() noexcept;
  // Refreshes and reads one arena's figures; nullopt if the index is unknown.
  static std::optional<JemallocArenaFigures> arena(unsigned index) noexcept;
  // The same, merged over all arenas (MALLCTL_ARENAS_ALL).
  static std::optional<JemallocArenaFigures> all_arenas() noexcept;
  // Number of arenas (`arenas.narenas`).
  static std::optional<unsigned> arena_count() noexcept;
  // Cumulative bytes allocated/freed by the calling thread (`thread.allocated`,
  // `thread.deallocated`).
  static std::optional<std::uint64_t> thread_allocated_bytes() noexcept;
  static std::optional<std::uint64_t> thread_deallocated_bytes() noexcept;
};

}  // namespace trove::memory
