#include "memory/jemalloc_stats.hpp"

#include <string>

#if TROVE_HAVE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

namespace trove::memory {

#if TROVE_HAVE_JEMALLOC

namespace {

// jemalloc caches its statistics; writing `epoch` refreshes them.
bool refresh() noexcept {
  std::uint64_t epoch = 1;
  std::size_t size = sizeof(epoch);
  return mallctl("epoch", &epoch, &size, &epoch, size) == 0;
}

template <class T>
bool read(const std::string& key, T& out) noexcept {
  std::size_t size = sizeof(T);
  return mallctl(key.c_str(), &out, &size, nullptr, 0) == 0;
}

std::optional<JemallocArenaFigures> read_arena(unsigned index) {
  if (!refresh()) return std::nullopt;
  std::size_t page = 0;
  if (!read("arenas.page", page)) return std::nullopt;
  const std::string prefix = "stats.arenas." + std::to_string(index) + ".";
  JemallocArenaFigures figures;
  std::size_t pactive = 0;
  std::size_t pdirty = 0;
  std::size_t pmuzzy = 0;
  if (!read(prefix + "pactive", pactive)) return std::nullopt;
  read(prefix + "pdirty", pdirty);
  read(prefix + "pmuzzy", pmuzzy);
  figures.active_bytes = pactive * page;
  figures.dirty_bytes = pdirty * page;
  figures.muzzy_bytes = pmuzzy * page;
  read(prefix + "mapped", figures.mapped);
  read(prefix + "retained", figures.retained);
  read(prefix + "resident", figures.resident);
  read(prefix + "dirty_purged", figures.dirty_purged);
  for (const char* kind : {"small.", "large."}) {
    std::uint64_t nmalloc = 0;
    std::uint64_t ndalloc = 0;
    std::uint64_t nrequests = 0;
    read(prefix + kind + "nmalloc", nmalloc);
    read(prefix + kind + "ndalloc", ndalloc);
    read(prefix + kind + "nrequests", nrequests);
    figures.nmalloc += nmalloc;
    figures.ndalloc += ndalloc;
    figures.nrequests += nrequests;
  }
  return figures;
}

}  // namespace

std::optional<JemallocTotals> JemallocStats::totals() noexcept {
  if (!refresh()) return std::nullopt;
  JemallocTotals t;
  const bool ok = read("stats.allocated", t.allocated) && read("stats.active", t.active) &&
                  read("stats.resident", t.resident) && read("stats.mapped", t.mapped) &&
                  read("stats.retained", t.retained) && read("stats.metadata", t.metadata);
  if (!ok) return std::nullopt;
  return t;
}

std::optional<JemallocArenaFigures> JemallocStats::arena(unsigned index) noexcept {
  try {
    return read_arena(index);
  } catch (...) {  // std::string allocation failure
    return std::nullopt;
  }
}

std::optional<JemallocArenaFigures> JemallocStats::all_arenas() noexcept {
  return arena(MALLCTL_ARENAS_ALL);
}

std::optional<unsigned> JemallocStats::arena_count() noexcept {
  unsigned n = 0;
  if (!read("arenas.narenas", n)) return std::nullopt;
  return n;
}

std::optional<std::uint64_t> JemallocStats::thread_allocated_bytes() noexcept {
  std::uint64_t bytes = 0;
  if (!read("thread.allocated", bytes)) return std::nullopt;
  return bytes;
}

std::optional<std::uint64_t> JemallocStats::thread_deallocated_bytes() noexcept {
  std::uint64_t bytes = 0;
  if (!read("thread.deallocated", bytes)) return std::nullopt;
  return bytes;
}

#else

std::optional<JemallocTotals> JemallocStats::totals() noexcept {
  return std::nullopt;
}
std::optional<JemallocArenaFigures> JemallocStats::arena(unsigned) noexcept {
  return std::nullopt;
}
std::optional<JemallocArenaFigures> JemallocStats::all_arenas() noexcept {
  return std::nullopt;
}
std::optional<unsigned> JemallocStats::arena_count() noexcept {
  return std::nullopt;
}
std::optional<std::uint64_t> JemallocStats::thread_allocated_bytes() noexcept {
  return std::nullopt;
}
std::optional<std::uint64_t> JemallocStats::thread_deallocated_bytes() noexcept {
  return std::nullopt;
}

#endif

}  // namespace trove::memory
