// AllocatorStrategy, SampleWindow, JemallocStats, JemallocArena, and the
// arena-backed allocators.

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "memory/allocator_strategy.hpp"
#include "memory/arena_allocator.hpp"
#include "memory/epoch_arena.hpp"
#include "memory/jemalloc_arena.hpp"
#include "memory/jemalloc_stats.hpp"
#include "memory/sample_window.hpp"

namespace trove::memory {
namespace {

TEST(AllocatorStrategy, ParsesExactlyTheThreeNames) {
  for (auto s :
       {AllocatorStrategy::epoch, AllocatorStrategy::jemalloc, AllocatorStrategy::system}) {
    EXPECT_EQ(parse_allocator_strategy(to_string(s)), s);
  }
  for (const char* bad : {"", "Epoch", "epoch ", "malloc", "jemalloc\n", "sys"}) {
    EXPECT_FALSE(parse_allocator_strategy(bad).has_value()) << '"' << bad << '"';
  }
}

TEST(SampleWindow, PercentilesOverTheLastSamplesOnly) {
  SampleWindow window(100);
  for (std::uint64_t i = 0; i < 1000; ++i)
    window.record(1'000'000);  // pushed out below
  for (std::uint64_t i = 1; i <= 100; ++i)
    window.record(i);
  const WindowSummary s = window.summary();
  EXPECT_EQ(s.count, 100U);
  EXPECT_EQ(s.p50, 50U);
  EXPECT_EQ(s.p90, 90U);
  EXPECT_EQ(s.p99, 99U);
  EXPECT_EQ(s.max, 100U);
  EXPECT_EQ(window.max_of_last(10), 100U);
  EXPECT_EQ(window.total_recorded(), 1100U);
}

TEST(SampleWindow, EmptyWindowSummarisesToZero) {
  SampleWindow window(8);
  const WindowSummary s = window.summary();
  EXPECT_EQ(s.count, 0U);
  EXPECT_EQ(s.max, 0U);
  EXPECT_EQ(window.max_of_last(4), 0U);
}

TEST(JemallocArena, AllocatesAlignedBlocks) {
  JemallocArena arena;
  void* p = arena.allocate(2 * kMiB, 2 * kMiB);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % (2 * kMiB), 0U);
  std::memset(p, 1, 2 * kMiB);
  arena.deallocate(p, 2 * kMiB, 2 * kMiB);
  EXPECT_TRUE(arena.purge());
}

TEST(JemallocArena, ManyArenasCanBeCreatedAndDestroyed) {
  // Destroying an arena returns its index: workers restarting in tests do
  // not exhaust jemalloc's arena limit.
  for (int i = 0; i < 300; ++i) {
    JemallocArena arena;
    void* p = arena.allocate(4096, 64);
    ASSERT_NE(p, nullptr);
    arena.deallocate(p, 4096, 64);
  }
}

TEST(JemallocStats, FiguresAreConsistentWhenAvailable) {
  const auto totals = JemallocStats::totals();
  if (!JemallocStats::available()) {
    EXPECT_FALSE(totals.has_value());
    EXPECT_FALSE(JemallocStats::arena(0).has_value());
    return;
  }
  ASSERT_TRUE(totals.has_value());
  EXPECT_GT(totals->allocated, 0U);
  EXPECT_GE(totals->active, totals->allocated);
  EXPECT_GE(totals->mapped, totals->active);
  EXPECT_GT(totals->metadata, 0U);
  EXPECT_GT(totals->resident, 0U);

  EpochArenaConfig config;
  config.capacity_bytes = 8 * kMiB;
  EpochArena arena(config);
  std::memset(arena.allocate(3 * kMiB), 1, 3 * kMiB);  // > a chunk: taken whole
  std::memset(arena.allocate(kMiB), 1, kMiB);
  const auto figures = JemallocStats::arena(arena.jemalloc_index());
  ASSERT_TRUE(figures.has_value());
  EXPECT_GE(figures->active_bytes, 5 * kMiB) << "a chunk + the large block";
  EXPECT_GE(figures->nmalloc, 2U);
  ASSERT_TRUE(JemallocStats::all_arenas().has_value());
  EXPECT_GE(JemallocStats::all_arenas()->nrequests, figures->nmalloc);
  ASSERT_TRUE(JemallocStats::arena_count().has_value());
  EXPECT_GT(*JemallocStats::arena_count(), arena.jemalloc_index());
  const auto before = JemallocStats::thread_allocated_bytes();
  std::vector<char> grow(1 << 20);
  ASSERT_TRUE(before.has_value());
  EXPECT_GE(*JemallocStats::thread_allocated_bytes(), *before + (1 << 20));
}

TEST(RapidJsonArenaAllocator, BuildsAndWritesADocumentFromTheArena) {
  EpochArena arena;
  RapidJsonArenaAllocator allocator(arena);
  using Document = rapidjson::GenericDocument<rapidjson::UTF8<>, RapidJsonArenaAllocator,
                                              RapidJsonArenaAllocator>;
  RapidJsonArenaAllocator stack_allocator(arena);
  Document doc(&allocator, 256, &stack_allocator);
  // RAPIDJSON_SSE42 reads whole aligned 16-byte blocks: give the input 16
  // bytes of slack past its terminator so ASan sees no overread.
  std::string input = R"({"box":123456,"hunt":"spring","tags":["a","b","c"]})";
  input.append(16, '\0');
  doc.Parse(input.c_str());
  ASSERT_FALSE(doc.HasParseError());
  // FindMember, not operator[]: the latter's missing-member path is a static
  // placement-new that clang-analyzer flags.
  const auto tags_member = doc.FindMember("tags");
  const auto hunt_member = doc.FindMember("hunt");
  ASSERT_NE(tags_member, doc.MemberEnd());
  ASSERT_NE(hunt_member, doc.MemberEnd());
  auto& tags = tags_member->value;
  for (int i = 0; i < 1000; ++i)
    tags.PushBack(i, doc.GetAllocator());  // Realloc path
  EXPECT_EQ(tags.Size(), 1003U);
  EXPECT_EQ(tags[2], "c");
  EXPECT_EQ(tags[1002].GetInt(), 999);
  EXPECT_GT(arena.used_bytes(), 0U) << "the document must live in the arena";
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> writer(out);
  hunt_member->value.Accept(writer);
  EXPECT_STREQ(out.GetString(), "\"spring\"");
}

TEST(RapidJsonArenaAllocator, ReallocKeepsContentAndShrinksInPlace) {
  EpochArena arena;
  RapidJsonArenaAllocator allocator(arena);
  constexpr std::string_view kDigits = "0123456789abcdef";
  auto* p = static_cast<char*>(allocator.Malloc(kDigits.size()));
  std::copy(kDigits.begin(), kDigits.end(), p);
  auto* grown = static_cast<char*>(allocator.Realloc(p, kDigits.size(), 4096));
  EXPECT_EQ(std::string_view(grown, kDigits.size()), kDigits);
  EXPECT_EQ(allocator.Realloc(grown, 4096, 8), grown);
  EXPECT_EQ(allocator.Malloc(0), nullptr);
  EXPECT_EQ(RapidJsonArenaAllocator{}.Malloc(8), nullptr);
}

TEST(ArenaStdAllocator, BacksAVectorScopedToTheEpoch) {
  EpochArena arena;
  std::vector<int, ArenaStdAllocator<int>> values{ArenaStdAllocator<int>(arena)};
  for (int i = 0; i < 10000; ++i)
    values.push_back(i);
  EXPECT_EQ(values[9999], 9999);
  EXPECT_GE(arena.used_bytes(), 10000 * sizeof(int));
}

}  // namespace
}  // namespace trove::memory
