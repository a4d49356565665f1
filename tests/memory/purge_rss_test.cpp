// RSS figures of trim + purge (jemalloc builds only: without jemalloc the
// chunks come from aligned_alloc, whose freed memory glibc or the sanitizer's
// allocator keeps, so RSS says nothing about the arena there).

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

#include "memory/epoch_arena.hpp"
#include "memory/jemalloc_stats.hpp"
#include "memory/purger.hpp"
#include "rss.hpp"

namespace trove::memory {
namespace {

// Touches `bytes` of the current epoch in 1 MiB allocations (every page written).
void touch_epoch(EpochArena& arena, std::size_t bytes) {
  for (std::size_t done = 0; done < bytes; done += kMiB) {
    std::memset(arena.allocate(kMiB, 64), 0x5a, kMiB);
  }
}

class PurgeRssPages : public ::testing::TestWithParam<bool> {};

TEST_P(PurgeRssPages, TrimAndPurgeLowerRss) {
  EpochArenaConfig config;
  config.huge_pages = GetParam();
  config.capacity_bytes = 256 * kMiB;
  config.high_water_epochs = 1;
  config.trim_slack_bytes = 0;
  config.trim_chunks_per_tick = 1000;
  EpochArena arena(config);
  Purger purger;
  touch_epoch(arena, 256 * kMiB);
  arena.reset();
  const std::size_t full = test::resident_bytes();
  arena.allocate(1);  // a quiet epoch
  arena.reset();
  EXPECT_GE(arena.trim(), 120U);
  // trim alone hands chunks back to jemalloc but (decay off) keeps their pages.
  EXPECT_GT(test::resident_bytes(), full - 16 * kMiB) << "decay must be off: nothing purged yet";
  const std::size_t purged = purger.purge_now(arena.jemalloc_index());
  EXPECT_GE(purged, 240 * kMiB);
  const std::size_t after = test::resident_bytes();
  EXPECT_LT(after, full - 240 * kMiB) << "RSS before " << full << " after " << after;
  const PurgerStats s = purger.stats();
  EXPECT_EQ(s.purges, 1U);
  EXPECT_EQ(s.failures, 0U);
  EXPECT_GE(s.purged_bytes, 240 * kMiB);
}

INSTANTIATE_TEST_SUITE_P(PurgeRss, PurgeRssPages, ::testing::Bool(), [](const auto& param_info) {
  return std::string(param_info.param ? "HugePages" : "SmallPages");
});

TEST(PurgeRss, PurgerThreadPurgesOnRequest) {
  EpochArenaConfig config;
  config.capacity_bytes = 64 * kMiB;
  config.high_water_epochs = 1;
  config.trim_slack_bytes = 0;
  config.trim_chunks_per_tick = 1000;
  EpochArena arena(config);
  Purger purger;
  touch_epoch(arena, 64 * kMiB);
  arena.reset();
  arena.reset();
  ASSERT_GT(arena.trim(), 0U);
  EXPECT_GT(arena.backing().dirty_bytes(), 60 * kMiB);
  purger.request(arena.jemalloc_index());
  purger.request(arena.jemalloc_index());  // merged with the pending one, or a no-op purge
  purger.wait_idle();
  EXPECT_LT(arena.backing().dirty_bytes(), kMiB);
  EXPECT_GE(purger.stats().purges, 1U);
  EXPECT_EQ(purger.stats().requests, 2U);
}

// After an epoch that touched 1 GiB and paced purging
// back to 128 MiB, RSS is within 10 % of 128 MiB plus the fixed baseline.
TEST(PurgeRss, OneGibEpochPurgedBackTo128MibInPacedSteps) {
  const std::size_t baseline = test::resident_bytes();
  EpochArenaConfig config;
  config.capacity_bytes = 1024 * kMiB;
  config.high_water_epochs = 4;
  config.trim_slack_bytes = 0;
  config.trim_chunks_per_tick = 16;  // 32 MiB of purge work per tick at most
  EpochArena arena(config);
  Purger purger;

  touch_epoch(arena, 1024 * kMiB);
  arena.reset();
  const std::size_t peak = test::resident_bytes();
  EXPECT_GT(peak, baseline + 1000 * kMiB);

  std::size_t ticks = 0;
  for (; ticks < 200; ++ticks) {
    touch_epoch(arena, 128 * kMiB - kMiB);  // steady load: 127 MiB per epoch
    arena.reset();
    const std::size_t released = arena.trim();
    ASSERT_LE(released, 16U);
    if (released != 0) purger.request(arena.jemalloc_index());
    if (ticks > 8 && released == 0 && arena.stats().chunks <= 64) break;
  }
  purger.wait_idle();
  const std::size_t rss = test::resident_bytes();
  const double target = static_cast<double>(baseline + 128 * kMiB);
  EXPECT_EQ(arena.stats().chunks, 64U);
  EXPECT_GT(ticks, 28U) << "896 MiB at 32 MiB per tick takes at least 28 ticks";
  EXPECT_LE(std::abs(static_cast<double>(rss) - target), 0.10 * target)
      << "RSS " << rss / kMiB << " MiB, baseline " << baseline / kMiB << " MiB, peak "
      << peak / kMiB << " MiB";
  if (const auto totals = JemallocStats::totals()) {
    // jemalloc's own resident figure agrees with what the kernel says. It is
    // documented as a maximum (it counts demand-zero pages never touched), so
    // it may exceed RSS slightly: seen 144.36 MB vs RSS 144.07 MB in a
    // fresh-clone `make test`. Agreement within 2 % of RSS.
    EXPECT_LE(totals->resident, rss + rss / 50);
    EXPECT_GE(totals->resident, 128 * kMiB);
  }
}

}  // namespace
}  // namespace trove::memory
