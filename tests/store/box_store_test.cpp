// BoxStore: round trips, versions, hunts, limits, a full store, and
// concurrent writers and readers (no torn payload ever observed).

#include "store/box_store.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace trove::store {
namespace {

std::span<const char> bytes(std::string_view s) {
  return {s.data(), s.size()};
}

struct Read {
  ReadResult result;
  std::string payload;
  std::string hunt;
};

Read read_box(const BoxStore& store, std::uint64_t id) {
  std::array<char, kPayloadMaxLimit> payload{};
  std::array<char, kMaxHuntBytes> hunt{};
  Read r;
  r.result = store.read(id, payload, hunt);
  r.payload.assign(payload.data(), std::min(r.result.payload_size, payload.size()));
  r.hunt.assign(hunt.data(), r.result.hunt_size);
  return r;
}

TEST(BoxStore, WriteThenReadReturnsPayloadHuntAndVersion) {
  BoxStore store({.max_boxes = 16, .payload_max = 128});
  const WriteResult w = store.write(42, bytes(R"({"box":42,"state":"open"})"), "spring");
  ASSERT_EQ(w.status, WriteStatus::stored);
  EXPECT_EQ(w.version, 1U);
  EXPECT_EQ(w.hunt_view(), "spring");
  const Read r = read_box(store, 42);
  ASSERT_TRUE(r.result.found);
  EXPECT_EQ(r.payload, R"({"box":42,"state":"open"})");
  EXPECT_EQ(r.hunt, "spring");
  EXPECT_EQ(r.result.version, 1U);
  EXPECT_EQ(store.version(42), 1U);
  EXPECT_EQ(store.size(), 1U);
}

TEST(BoxStore, EveryWriteBumpsTheVersionAndReplacesThePayload) {
  BoxStore store({.max_boxes = 16});
  for (std::uint64_t i = 1; i <= 5; ++i) {
    const std::string payload(static_cast<std::size_t>(i * 10), static_cast<char>('a' + i));
    EXPECT_EQ(store.write(7, bytes(payload)).version, i);
    EXPECT_EQ(read_box(store, 7).payload, payload);
  }
  // A shorter payload after a longer one: no stale tail.
  store.write(7, bytes("xy"));
  EXPECT_EQ(read_box(store, 7).payload, "xy");
  EXPECT_EQ(store.version(7), 6U);
}

TEST(BoxStore, AbsentHuntKeepsTheBoxsHuntAndAGivenOneReplacesIt) {
  BoxStore store({.max_boxes = 16});
  store.write(1, bytes("a"), "spring");
  const WriteResult kept = store.write(1, bytes("b"));
  EXPECT_EQ(kept.hunt_view(), "spring");
  EXPECT_EQ(read_box(store, 1).hunt, "spring");
  store.write(1, bytes("c"), "autumn");
  EXPECT_EQ(read_box(store, 1).hunt, "autumn");
  store.write(1, bytes("d"), "");
  EXPECT_EQ(read_box(store, 1).hunt, "");
  store.write(2, bytes("e"));
  EXPECT_EQ(read_box(store, 2).hunt, "") << "a new box without a hunt has none";
}

TEST(BoxStore, UnknownBoxesAreNotFound) {
  BoxStore store({.max_boxes = 16});
  store.write(5, bytes("x"));
  EXPECT_FALSE(read_box(store, 6).result.found);
  EXPECT_FALSE(read_box(store, 0).result.found);
  EXPECT_FALSE(store.version(6).has_value());
  EXPECT_FALSE(store.version(0).has_value());
}

TEST(BoxStore, RejectsIdZeroOversizedPayloadAndLongHunt) {
  BoxStore store({.max_boxes = 16, .payload_max = 32});
  EXPECT_EQ(store.write(0, bytes("x")).status, WriteStatus::invalid_id);
  EXPECT_EQ(store.write(1, bytes(std::string(33, 'p'))).status, WriteStatus::payload_too_large);
  EXPECT_EQ(store.write(1, bytes(std::string(32, 'p'))).status, WriteStatus::stored);
  EXPECT_EQ(store.write(1, bytes("x"), std::string(65, 'h')).status, WriteStatus::hunt_too_long);
  EXPECT_EQ(store.write(1, bytes("x"), std::string(64, 'h')).status, WriteStatus::stored);
  EXPECT_EQ(read_box(store, 1).hunt, std::string(64, 'h'));
}

TEST(BoxStore, FullStoreRejectsNewBoxesWithAClearReasonButKeepsUpdatingOldOnes) {
  BoxStore store({.max_boxes = 4});
  for (std::uint64_t id = 1; id <= 4; ++id) {
    ASSERT_EQ(store.write(id * 1000, bytes("v1")).status, WriteStatus::stored);
  }
  const WriteResult full = store.write(99, bytes("v1"));
  EXPECT_EQ(full.status, WriteStatus::store_full);
  EXPECT_NE(to_string(full.status).find("full"), std::string_view::npos);
  EXPECT_EQ(store.rejected_full(), 1U);
  EXPECT_EQ(store.write(2000, bytes("v2")).status, WriteStatus::stored);
  EXPECT_EQ(read_box(store, 2000).payload, "v2");
  EXPECT_EQ(store.size(), 4U);
  EXPECT_FALSE(read_box(store, 99).result.found);
}

TEST(BoxStore, ShortOutputBufferGetsAPrefixAndTheFullSize) {
  BoxStore store({.max_boxes = 4});
  store.write(1, bytes("0123456789"));
  std::array<char, 4> small{};
  const ReadResult r = store.read(1, small);
  ASSERT_TRUE(r.found);
  EXPECT_EQ(r.payload_size, 10U);
  EXPECT_EQ(std::string_view(small.data(), 4), "0123");
}

TEST(BoxStore, ForEachBoxVisitsEveryStoredBoxOnce) {
  BoxStore store({.max_boxes = 100});
  std::set<std::uint64_t> written;
  for (std::uint64_t id = 1; id <= 100; ++id) {
    store.write(id * 7919, bytes("x"));
    written.insert(id * 7919);
  }
  std::set<std::uint64_t> visited;
  store.for_each_box([&](std::uint64_t id) { EXPECT_TRUE(visited.insert(id).second); });
  EXPECT_EQ(visited, written);
}

TEST(BoxStore, ExtremeIdsAreOrdinaryBoxes) {
  BoxStore store({.max_boxes = 4});
  const std::uint64_t max = ~std::uint64_t{0};
  EXPECT_EQ(store.write(max, bytes("max")).status, WriteStatus::stored);
  EXPECT_EQ(store.write(1, bytes("one")).status, WriteStatus::stored);
  EXPECT_EQ(read_box(store, max).payload, "max");
  EXPECT_EQ(read_box(store, 1).payload, "one");
}

TEST(BoxStore, RejectsBadConfiguration) {
  EXPECT_THROW(BoxStore({.max_boxes = 0}), std::invalid_argument);
  EXPECT_THROW(BoxStore({.max_boxes = 4, .payload_max = 4}), std::invalid_argument);
  EXPECT_THROW(BoxStore({.max_boxes = 4, .payload_max = kPayloadMaxLimit + 1}),
               std::invalid_argument);
}

TEST(BoxStore, ReservesOnceAndLargeStoresCostOnlyTouchedPages) {
  BoxStore store({.max_boxes = 1 << 20});
  EXPECT_GE(store.reserved_bytes(), (std::size_t{1} << 20) * 128);
  EXPECT_EQ(store.capacity(), std::size_t{1} << 20);
  EXPECT_EQ(store.write(123456, bytes("x")).status, WriteStatus::stored);
}

// A payload whose every byte derives from one writer's counter: a reader that
// sees bytes of two different writes (a torn read) finds a mismatch.
std::string payload_for(std::uint64_t writer, std::uint64_t n) {
  const std::size_t length = 16 + (n % 100);  // lengths vary too
  std::string p(length, '\0');
  for (std::size_t i = 0; i < length; ++i) {
    p[i] = static_cast<char>((writer * 131 + n * 7 + i) & 0xff);
  }
  std::memcpy(p.data(), &n, sizeof(n));
  p[8] = static_cast<char>(writer);
  return p;
}

bool consistent(std::string_view p) {
  if (p.size() < 16) return false;
  std::uint64_t n = 0;
  std::memcpy(&n, p.data(), sizeof(n));
  const auto writer = static_cast<std::uint64_t>(static_cast<unsigned char>(p[8]));
  return payload_for(writer, n) == p;
}

TEST(BoxStoreConcurrency, ReadersNeverSeeATornPayloadWhileTwoWritersRace) {
  BoxStore store({.max_boxes = 64});
  constexpr std::uint64_t kBox = 77;
  constexpr std::uint64_t kWritesPerWriter = 20000;
  store.write(kBox, bytes(payload_for(0, 0)), "race");
  std::atomic<int> writers_done{0};
  std::atomic<std::uint64_t> reads{0};
  std::atomic<std::uint64_t> torn{0};
  std::atomic<std::uint64_t> went_back{0};

  auto writer = [&](std::uint64_t id) {
    // Start only once both readers are reading, so the race really happens.
    while (reads.load() < 2)
      std::this_thread::yield();
    for (std::uint64_t n = 1; n <= kWritesPerWriter; ++n) {
      const std::string p = payload_for(id, n);
      ASSERT_EQ(store.write(kBox, bytes(p)).status, WriteStatus::stored);
      // Inserting other boxes concurrently exercises the index CAS too.
      if (n % 1000 == 0) store.write(id * 1'000'000 + n, bytes(p));
    }
    writers_done.fetch_add(1);
  };
  auto reader = [&] {
    std::uint64_t last_version = 0;
    std::array<char, kDefaultPayloadMax> buffer{};
    std::array<char, kMaxHuntBytes> hunt{};
    while (writers_done.load() < 2) {
      const ReadResult r = store.read(kBox, buffer, hunt);
      if (!r.found) continue;
      reads.fetch_add(1, std::memory_order_relaxed);
      if (!consistent({buffer.data(), r.payload_size}) ||
          std::string_view(hunt.data(), r.hunt_size) != "race") {
        torn.fetch_add(1);
      }
      if (r.version < last_version) went_back.fetch_add(1);
      last_version = r.version;
    }
  };
  std::thread w1(writer, 1);
  std::thread w2(writer, 2);
  std::thread r1(reader);
  std::thread r2(reader);
  w1.join();
  w2.join();
  r1.join();
  r2.join();
  EXPECT_EQ(torn.load(), 0U) << "a reader saw a payload mixing two writes";
  EXPECT_EQ(went_back.load(), 0U) << "versions must never go backwards";
  EXPECT_GT(reads.load(), 0U);
  EXPECT_EQ(store.version(kBox), 1 + 2 * kWritesPerWriter) << "no write may be lost";
  EXPECT_EQ(store.size(), 1U + 2 * (kWritesPerWriter / 1000));
}

TEST(BoxStoreConcurrency, ConcurrentInsertsOfOverlappingIdsCreateEachBoxOnce) {
  BoxStore store({.max_boxes = 4096});
  auto inserter = [&](std::uint64_t offset) {
    for (std::uint64_t i = 0; i < 3000; ++i) {
      const std::uint64_t id = 1 + ((i + offset) % 3000);
      ASSERT_EQ(store.write(id, bytes("x")).status, WriteStatus::stored);
    }
  };
  std::thread a(inserter, 0);
  std::thread b(inserter, 1500);
  a.join();
  b.join();
  EXPECT_EQ(store.size(), 3000U);
  for (std::uint64_t id = 1; id <= 3000; ++id) {
    ASSERT_EQ(store.version(id), 2U) << "box " << id;
  }
}

TEST(BoxStoreConcurrency, RaceForTheLastSlotsNeverExceedsCapacity) {
  BoxStore store({.max_boxes = 100});
  std::atomic<int> stored{0};
  auto inserter = [&](std::uint64_t base) {
    for (std::uint64_t i = 1; i <= 100; ++i) {
      if (store.write(base + i, bytes("x")).status == WriteStatus::stored) stored.fetch_add(1);
    }
  };
  std::thread a(inserter, 0);
  std::thread b(inserter, 1000);
  a.join();
  b.join();
  EXPECT_EQ(stored.load(), 100);
  EXPECT_EQ(store.size(), 100U);
  EXPECT_EQ(store.rejected_full(), 100U);
}

// One mapping of /proc/self/smaps: resident KiB, huge-page KiB, advice flags.
struct Mapping {
  std::size_t rss_kib = 0;
  std::size_t anon_huge_kib = 0;
  bool advised_huge = false;     // VmFlags "hg" (MADV_HUGEPAGE)
  bool advised_no_huge = false;  // VmFlags "nh" (MADV_NOHUGEPAGE)
};

std::vector<Mapping> ReadSmaps() {
  std::vector<Mapping> maps;
  std::ifstream in("/proc/self/smaps");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string key;
    fields >> key;
    if (key.find('-') != std::string::npos && key.back() != ':') {
      maps.emplace_back();  // a new mapping's header line
    } else if (maps.empty()) {
      continue;
    } else if (key == "Rss:") {
      fields >> maps.back().rss_kib;
    } else if (key == "AnonHugePages:") {
      fields >> maps.back().anon_huge_kib;
    } else if (key == "VmFlags:") {
      std::string flag;
      while (fields >> flag) {
        maps.back().advised_huge |= flag == "hg";
        maps.back().advised_no_huge |= flag == "nh";
      }
    }
  }
  return maps;
}

std::size_t CountAdvised(bool huge) {
  std::size_t n = 0;
  for (const Mapping& m : ReadSmaps())
    n += huge ? m.advised_huge : m.advised_no_huge;
  return n;
}

// The store's two large mappings (index, slots) carry the advice asked for,
// and with huge pages off a few thousand random boxes in a 1 M-box store
// cost 4 KiB pages, not 2 MiB ones (the RSS a small game pays).
TEST(BoxStore, HugePagesAreAdvisedOnlyWhenAsked) {
  const std::size_t huge_before = CountAdvised(true);
  const std::size_t no_huge_before = CountAdvised(false);
  {
    BoxStore store({.max_boxes = 1 << 20, .huge_pages = true});
    EXPECT_EQ(CountAdvised(true), huge_before + 2);
    EXPECT_EQ(CountAdvised(false), no_huge_before);
  }
  EXPECT_EQ(CountAdvised(true), huge_before);
  BoxStore store({.max_boxes = 1 << 20, .huge_pages = false});
  EXPECT_EQ(CountAdvised(true), huge_before);
  EXPECT_EQ(CountAdvised(false), no_huge_before + 2);
  std::mt19937_64 rng(7);
  for (int i = 0; i < 2000; ++i)
    ASSERT_EQ(store.write(rng() | 1, bytes("{\"x\":1}")).status, WriteStatus::stored);
  std::size_t rss_kib = 0;
  for (const Mapping& m : ReadSmaps()) {
    if (!m.advised_no_huge) continue;
    EXPECT_EQ(m.anon_huge_kib, 0U);
    rss_kib += m.rss_kib;
  }
  // 2,000 index pages + 2,000 slots at most: about 8.5 MiB; huge pages would
  // have made the whole 32 MiB index resident.
  EXPECT_LT(rss_kib, 12U * 1024) << rss_kib;
}

}  // namespace
}  // namespace trove::store
