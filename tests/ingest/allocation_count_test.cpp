// In the epoch strategy the ingest path makes no heap
// allocation per message — at most one allocator call per 1,000 messages
// over 1 M reference messages (batches of 64, the arena reset every epoch).
//
// Counted two ways, whichever this build has:
//   * jemalloc builds: jemalloc's own request counters over all arenas
//     (stats.arenas.<all>.{small,large}.nrequests) after flushing this
//     thread's cache, so cached hits are counted too;
//   * sanitizer builds: the sanitizer allocator's malloc hook, which sees
//     every malloc/new in the process.
// Each test first proves its counter works: the `system` or `jemalloc`
// strategy, which allocates per message, must be counted.

#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "ingest/ingest_pipeline.hpp"

#if TROVE_HAVE_JEMALLOC
#include <jemalloc/jemalloc.h>
#elif TROVE_ASAN || TROVE_TSAN
// From the sanitizer runtime (LLVM's sanitizer/allocator_interface.h, which
// GCC does not ship).
extern "C" int __sanitizer_install_malloc_and_free_hooks(  // NOLINT(bugprone-reserved-identifier)
    void (*malloc_hook)(const volatile void*, std::size_t),
    void (*free_hook)(const volatile void*));
#endif

namespace trove::ingest {
namespace {

constexpr std::string_view kReference =
    R"({"box":123456,"hunt":"spring","x":12.5,"y":-3.25,"state":"open","ts":1732712345678,"player":"p-8812"})";

#if TROVE_HAVE_JEMALLOC
std::uint64_t allocator_calls() {
  // Merge this thread's cache statistics into the arenas', then refresh.
  mallctl("thread.tcache.flush", nullptr, nullptr, nullptr, 0);
  std::uint64_t epoch = 1;
  std::size_t size = sizeof(epoch);
  mallctl("epoch", &epoch, &size, &epoch, size);
  std::uint64_t total = 0;
  for (const char* key :
       {"stats.arenas.4096.small.nrequests", "stats.arenas.4096.large.nrequests"}) {
    std::uint64_t n = 0;
    size = sizeof(n);
    EXPECT_EQ(mallctl(key, &n, &size, nullptr, 0), 0) << key;
    total += n;
  }
  return total;
}
constexpr bool kHaveCounter = true;
constexpr std::size_t kMessages = 1'000'000;
constexpr auto kAllocatingStrategy = memory::AllocatorStrategy::jemalloc;
#elif TROVE_ASAN || TROVE_TSAN
std::atomic<std::uint64_t> g_mallocs{0};
void on_malloc(const volatile void* /*block*/, std::size_t /*size*/) {
  g_mallocs.fetch_add(1, std::memory_order_relaxed);
}
void on_free(const volatile void* /*block*/) {}
std::uint64_t allocator_calls() {
  static const bool installed = [] {
    return __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free) != 0;
  }();
  EXPECT_TRUE(installed);
  return g_mallocs.load();
}
constexpr bool kHaveCounter = true;
// Sanitizers run ~10x slower; the bound per message is the same.
constexpr std::size_t kMessages = 128'000;
constexpr auto kAllocatingStrategy = memory::AllocatorStrategy::system;
#else
constexpr bool kHaveCounter = false;
#endif

#if TROVE_HAVE_JEMALLOC || TROVE_ASAN || TROVE_TSAN
struct Tally {
  std::uint64_t calls = 0;
  std::size_t messages = 0;
};

// Ingests `messages` reference messages in batches of 64, resetting the
// arena every 768 batches (~48 k messages: 16 ms at 3 M msg/s), and counts
// allocator calls after a warm-up epoch (chunks taken, parser sized).
Tally ingest_and_count(memory::AllocatorStrategy strategy, std::size_t messages) {
  memory::EpochArena arena(memory::EpochArenaConfig{.capacity_bytes = 64 * memory::kMiB});
  store::BoxStore store({.max_boxes = 1024});
  IngestPipeline pipeline(store, &arena, IngestConfig{.strategy = strategy});
  std::uint64_t observed = 0;
  pipeline.set_observer([&observed](std::uint64_t, std::string_view, std::uint64_t,
                                    std::string_view) { ++observed; });
  std::string batch;
  for (int i = 0; i < 64; ++i)
    (batch += kReference) += '\n';
  constexpr int kBatchesPerEpoch = 768;
  for (int i = 0; i < kBatchesPerEpoch; ++i)
    pipeline.ingest(batch);  // warm-up epoch
  arena.reset();
  arena.trim();

  Tally result;
  const std::uint64_t before = allocator_calls();
  int batches = 0;
  while (result.messages < messages) {
    const BatchResult r = pipeline.ingest(batch);
    EXPECT_EQ(r.accepted, 64U);
    result.messages += r.accepted;
    if (++batches == kBatchesPerEpoch) {
      arena.reset();
      arena.trim();
      batches = 0;
    }
  }
  result.calls = allocator_calls() - before;
  EXPECT_GE(observed, result.messages);
  return result;
}

TEST(IngestAllocations, CounterSeesPerMessageAllocationsOfAHeapStrategy) {
  ASSERT_TRUE(kHaveCounter);
  const Tally r = ingest_and_count(kAllocatingStrategy, 64 * 1000);
  EXPECT_GE(r.calls, r.messages) << "the counter must see at least one call per message here";
}

TEST(IngestAllocations, EpochStrategyMakesAtMostOneAllocatorCallPerThousandMessages) {
  const Tally r = ingest_and_count(memory::AllocatorStrategy::epoch, kMessages);
  EXPECT_GE(r.messages, kMessages);
  EXPECT_LE(r.calls * 1000, r.messages)
      << r.calls << " allocator calls for " << r.messages << " messages";
  RecordProperty("allocator_calls", std::to_string(r.calls));
  RecordProperty("messages", std::to_string(r.messages));
}
#endif

}  // namespace
}  // namespace trove::ingest
