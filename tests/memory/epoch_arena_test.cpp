// EpochArena: alignment, reset, overflow, large blocks, trim pacing, live
// resize, stats; ASan poisoning of reset memory in sanitizer builds.

#include "memory/epoch_arena.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <set>
#include <thread>
#include <vector>

namespace trove::memory {
namespace {

constexpr std::size_t kKiB = 1024;

EpochArenaConfig small_config() {
  EpochArenaConfig c;
  c.chunk_bytes = 64 * kKiB;
  c.capacity_bytes = 256 * kKiB;  // four chunks
  c.trim_slack_bytes = 0;
  c.high_water_epochs = 2;
  c.trim_chunks_per_tick = 2;
  c.stats_window = 16;
  return c;
}

TEST(EpochArena, EveryAllocationHonoursItsAlignment) {
  EpochArena arena(small_config());
  for (std::size_t align = 1; align <= 4096; align *= 2) {
    for (std::size_t size : {std::size_t{1}, std::size_t{7}, std::size_t{64}, std::size_t{1000}}) {
      void* p = arena.allocate(size, align);
      ASSERT_NE(p, nullptr);
      EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % align, 0U)
          << "size " << size << " alignment " << align;
      std::memset(p, 0xab, size);  // writable (ASan would report otherwise)
    }
  }
}

TEST(EpochArena, AllocationsDoNotOverlap) {
  EpochArena arena(small_config());
  std::vector<std::pair<std::uintptr_t, std::size_t>> blocks;
  for (std::size_t i = 0; i < 2000; ++i) {
    const std::size_t size = 1 + (i * 37) % 300;
    auto* p = static_cast<unsigned char*>(arena.allocate(size, 8));
    std::memset(p, static_cast<int>(i & 0xff), size);
    blocks.emplace_back(reinterpret_cast<std::uintptr_t>(p), size);
  }
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const auto* p = reinterpret_cast<const unsigned char*>(blocks[i].first);
    for (std::size_t b = 0; b < blocks[i].second; ++b) {
      ASSERT_EQ(p[b], i & 0xff) << "block " << i << " was overwritten by a later allocation";
    }
  }
}

TEST(EpochArena, ResetRewindsToTheFirstChunkAndKeepsChunks) {
  EpochArena arena(small_config());
  void* first = arena.allocate(100);
  for (int i = 0; i < 100; ++i)
    arena.allocate(1000);  // spills into a second chunk
  const std::size_t used = arena.used_bytes();
  const std::size_t chunks = arena.stats().chunks;
  EXPECT_GE(chunks, 2U);
  ASSERT_TRUE(arena.reset());
  EXPECT_EQ(arena.used_bytes(), 0U);
  EXPECT_EQ(arena.allocate(100), first) << "reset must rewind to the start of the first chunk";
  const EpochArenaStats s = arena.stats();
  EXPECT_EQ(s.chunks, chunks) << "reset must keep the chunks";
  EXPECT_EQ(s.epochs, 1U);
  EXPECT_EQ(s.last_high_water_bytes, used);
  EXPECT_EQ(s.high_water.max, used);
  EXPECT_EQ(s.reset_nanos.count, 1U);
}

TEST(EpochArena, PinnedArenaRefusesToReset) {
  EpochArena arena(small_config());
  arena.allocate(10);
  arena.pin();
  EXPECT_FALSE(arena.reset());
  EXPECT_NE(arena.used_bytes(), 0U);
  arena.unpin();
  EXPECT_TRUE(arena.reset());
  EXPECT_EQ(arena.used_bytes(), 0U);
}

TEST(EpochArena, OverflowIsCountedOncePerEpochAndDataStaysInTheArena) {
  EpochArena arena(small_config());  // capacity: 4 chunks
  for (int i = 0; i < 5 * 64; ++i)
    arena.allocate(1000);  // ~5 chunks
  EXPECT_EQ(arena.stats().overflows, 1U);
  EXPECT_GE(arena.stats().chunks, 5U) << "an overflowing epoch keeps taking chunks";
  arena.reset();
  for (int i = 0; i < 64; ++i)
    arena.allocate(1000);  // within capacity
  arena.reset();
  EXPECT_EQ(arena.stats().overflows, 1U);
}

TEST(EpochArena, LargeAllocationsAreTakenWholeAndReleasedAtReset) {
  EpochArena arena(small_config());
  void* big = arena.allocate(200 * kKiB, 64);
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(big) % 64, 0U);
  std::memset(big, 1, 200 * kKiB);
  EpochArenaStats s = arena.stats();
  EXPECT_EQ(s.large_allocations, 1U);
  EXPECT_GE(s.resident_bytes, 200 * kKiB);
  EXPECT_EQ(arena.used_bytes(), 200 * kKiB);
  arena.reset();
  s = arena.stats();
  EXPECT_EQ(s.resident_bytes, s.chunks * s.chunk_bytes) << "large block not released at reset";
  EXPECT_EQ(s.last_high_water_bytes, 200 * kKiB);
}

TEST(EpochArena, TrimKeepsRecentHighWaterAndIsPacedPerTick) {
  EpochArena arena(small_config());    // high_water_epochs 2, 2 chunks per tick, capacity 4 chunks
  arena.set_capacity(64 * 64 * kKiB);  // room for a burst without the capacity cap
  arena.reset();
  for (int i = 0; i < 10 * 64; ++i)
    arena.allocate(1000);  // a burst: ~10 chunks
  arena.reset();
  EXPECT_EQ(arena.trim(), 0U) << "the burst is the recent high-water: keep its chunks";
  const std::size_t held = arena.stats().chunks;
  EXPECT_GE(held, 10U);
  // Two quiet epochs push the burst out of the high-water window.
  for (int epoch = 0; epoch < 2; ++epoch) {
    arena.allocate(1000);
    arena.reset();
  }
  std::size_t released_total = 0;
  for (int tick = 0; tick < 20; ++tick) {
    const std::size_t released = arena.trim();
    EXPECT_LE(released, 2U) << "trim must release at most trim_chunks_per_tick chunks";
    released_total += released;
  }
  EXPECT_EQ(arena.stats().chunks, 1U) << "quiet epochs need one chunk";
  EXPECT_EQ(released_total, held - 1);
  EXPECT_EQ(arena.stats().chunks_trimmed, released_total);
}

TEST(EpochArena, CapacityChangesApplyAtTheNextResetFromAnyThread) {
  EpochArena arena(small_config());
  for (int i = 0; i < 3 * 64; ++i)
    arena.allocate(1000);  // 3 chunks of a 4-chunk capacity
  std::thread tuner([&arena] { arena.set_capacity(128 * kKiB); });
  tuner.join();
  EXPECT_EQ(arena.capacity_bytes(), 256 * kKiB) << "capacity must not change mid-epoch";
  EXPECT_EQ(arena.stats().overflows, 0U);
  arena.reset();
  EXPECT_EQ(arena.capacity_bytes(), 128 * kKiB);
  // The same load now overflows the smaller arena.
  for (int i = 0; i < 3 * 64; ++i)
    arena.allocate(1000);
  EXPECT_EQ(arena.stats().overflows, 1U);
  arena.reset();
  // And trimming stops at the capacity even though the recent high-water is higher.
  while (arena.trim() != 0) {
  }
  EXPECT_EQ(arena.stats().chunks, 2U);
}

TEST(EpochArena, RejectsBadConfiguration) {
  EpochArenaConfig c = small_config();
  c.chunk_bytes = 100 * kKiB;  // not a power of two
  EXPECT_THROW(EpochArena{c}, std::invalid_argument);
  c.chunk_bytes = 4 * kKiB;  // too small
  EXPECT_THROW(EpochArena{c}, std::invalid_argument);
  c = small_config();
  c.capacity_bytes = 0;
  EXPECT_THROW(EpochArena{c}, std::invalid_argument);
}

TEST(EpochArena, StatsAreReadableWhileTheOwnerAllocates) {
  EpochArena arena(small_config());
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done.load()) {
      const EpochArenaStats s = arena.stats();
      EXPECT_LE(s.high_water.p50, s.high_water.max);
    }
  });
  for (int epoch = 0; epoch < 200; ++epoch) {
    for (int i = 0; i < 50; ++i)
      arena.allocate(1000);
    arena.reset();
    arena.trim();
  }
  done = true;
  reader.join();
  EXPECT_EQ(arena.stats().epochs, 200U);
}

#if TROVE_ASAN
// The arena's promise: memory of a finished epoch is dead. In sanitizer
// builds reset() poisons it, so a stale read is reported, not silently served.
TEST(EpochArenaDeathTest, ReadAfterResetIsReportedByAsan) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        EpochArena arena(small_config());
        auto* data = static_cast<volatile char*>(arena.allocate(64));
        data[0] = 42;
        arena.reset();
        const char stale = data[0];  // last epoch's memory
        std::printf("read %d\n", stale);
      },
      "use-after-poison");
}

TEST(EpochArenaDeathTest, ReadPastAnAllocationIsReportedByAsan) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        EpochArena arena(small_config());
        auto* data = static_cast<volatile char*>(arena.allocate(64));
        const char beyond = data[64];  // not handed out yet
        std::printf("read %d\n", beyond);
      },
      "use-after-poison");
}
#endif

}  // namespace
}  // namespace trove::memory
