// Purger::stop() is what lets trove-server destroy its workers' jemalloc
// arenas at shutdown: once it returns, no purge is running and none starts,
// so arena.<i>.destroy cannot overlap a purge of the same arena.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <thread>

#include "memory/epoch_arena.hpp"
#include "memory/purger.hpp"

namespace trove::memory {
namespace {

using namespace std::chrono_literals;

// An arena whose jemalloc arena holds `mib` MiB of dirty pages: an epoch that
// touched them, then a quiet epoch and a trim that hands the chunks back.
// 4 KiB pages, so that purging them takes milliseconds (~60-85 us/MiB).
std::unique_ptr<EpochArena> arena_with_dirty_pages(std::size_t mib) {
  EpochArenaConfig config;
  config.capacity_bytes = 2 * kMiB;
  config.high_water_epochs = 1;
  config.trim_slack_bytes = 0;
  config.trim_chunks_per_tick = 1000;
  config.huge_pages = false;
  auto arena = std::make_unique<EpochArena>(config);
  for (std::size_t i = 0; i < mib; ++i)
    std::memset(arena->allocate(kMiB, 64), 0x5a, kMiB);
  arena->reset();
  arena->allocate(1);
  arena->reset();
  EXPECT_GT(arena->trim(), 0U);
  return arena;
}

std::uint64_t observed(const EpochHistogram& h) {
  std::uint64_t n = 0;
  for (std::size_t i = 0; i <= kEpochBoundsSeconds.size(); ++i)
    n += h.bucket(i);
  return n;
}

TEST(PurgerStop, StopWaitsForThePurgeInProgress) {
  Purger purger;
  auto arena = arena_with_dirty_pages(256);
  const std::size_t dirty = arena->backing().dirty_bytes();
  purger.request(arena->jemalloc_index());
  // Let the purge start: with jemalloc, the arena's dirty pages are taken
  // off its lists as the purge begins; without it (sanitizer builds) the
  // purge is a no-op that completes at once.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (JemallocArena::backed_by_jemalloc() ? arena->backing().dirty_bytes() < dirty
                                            : purger.stats().purges == 1) {
      break;
    }
    std::this_thread::yield();
  }
  purger.stop();
  // The purge finished before Stop() returned: it is counted, timed, and
  // the arena can go (this is the order trove-server's main() relies on).
  EXPECT_EQ(purger.stats().purges, 1U) << "Stop() returned while the purge was still running";
  EXPECT_EQ(observed(purger.durations()), 1U);
  arena.reset();
}

TEST(PurgerStop, RequestsAfterStopAreIgnored) {
  Purger purger;
  purger.stop();
  purger.stop();  // idempotent, as the destructor calls it again
  auto arena = arena_with_dirty_pages(8);
  purger.request(arena->jemalloc_index());
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(purger.stats().purges, 0U);
  EXPECT_EQ(observed(purger.durations()), 0U);
}

}  // namespace
}  // namespace trove::memory
