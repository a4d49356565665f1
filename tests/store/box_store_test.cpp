// BoxStore: round trips, versions, hunts, limits, a full store, and
// concurrent writers and readers (no torn payload ever observed).

#include "store/box_store.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>
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

TEST(BoxStore, AChangePositionIsKeptPerBoxAndReadWithItsPayload) {
  BoxStore store({.max_boxes = 16, .payload_max = 128});
  store.write(1, bytes("{}"), "h");
  store.write(2, bytes("{}"), "h");
  EXPECT_EQ(read_box(store, 1).result.change, 0U) << "never stamped: 0";
  store.set_change(1, 7);
  store.set_change(2, 9);
  store.set_change(99, 5);  // unknown: ignored
  store.set_change(0, 5);   // reserved id: ignored
  EXPECT_EQ(read_box(store, 1).result.change, 7U);
  store.write(1, bytes(R"({"a":1})"));
  EXPECT_EQ(read_box(store, 1).result.change, 7U) << "a write keeps the stamp until the next one";
  store.set_change(1, 11);
  EXPECT_EQ(read_box(store, 1).result.change, 11U);
  EXPECT_FALSE(read_box(store, 99).result.found);

  struct Collect final : BoxVisitor {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> seen;
    bool wants(std::string_view) override { return true; }
    bool visit(const BoxView& box) override {
      seen.emplace_back(box.id, box.change);
      return true;
    }
  } visitor;
  store.visit_boxes(0, 16, visitor);
  EXPECT_EQ(visitor.seen, (std::vector<std::pair<std::uint64_t, std::uint64_t>>{{1, 11}, {2, 9}}));
}

TEST(BoxStore, EachStoreDrawsItsOwnNonZeroIncarnationAndAdoptsARestoredOne) {
  BoxStore a({.max_boxes = 16});
  BoxStore b({.max_boxes = 16});
  EXPECT_NE(a.incarnation(), 0U);
  EXPECT_NE(a.incarnation(), b.incarnation()) << "64 random bits drawn twice alike";
  a.set_incarnation(0x1234);
  EXPECT_EQ(a.incarnation(), 0x1234U);
  a.set_incarnation(0);  // "none": keeps the one it has
  EXPECT_EQ(a.incarnation(), 0x1234U);
}

TEST(BoxStore, RestoreSetsAnOlderBoxToTheRecordedVersionAndNeverGoesBack) {
  BoxStore store({.max_boxes = 16});
  WriteResult r = store.restore(5, 7, bytes("{\"v\":7}"), "spring");
  ASSERT_EQ(r.status, WriteStatus::stored);
  EXPECT_EQ(r.version, 7U);
  EXPECT_EQ(read_box(store, 5).payload, "{\"v\":7}");
  EXPECT_EQ(read_box(store, 5).hunt, "spring");
  r = store.restore(5, 6, bytes("{\"v\":6}"), "autumn");  // older: ignored
  EXPECT_EQ(r.version, 7U);
  EXPECT_EQ(read_box(store, 5).payload, "{\"v\":7}");
  EXPECT_EQ(read_box(store, 5).hunt, "spring");
  EXPECT_EQ(store.restore(5, 9, bytes("{\"v\":9}"), "").version, 9U);
  EXPECT_EQ(read_box(store, 5).hunt, "");
  EXPECT_EQ(store.write(5, bytes("{}")).version, 10U) << "versions continue after a restore";
  EXPECT_EQ(store.restore(6, 0, bytes("{}"), "").status, WriteStatus::invalid_version);
  EXPECT_EQ(store.restore(6, UINT64_MAX / 2, bytes("{}"), "").status, WriteStatus::invalid_version);
  EXPECT_EQ(store.restore(0, 1, bytes("{}"), "").status, WriteStatus::invalid_id);
  EXPECT_FALSE(store.version(6).has_value());
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

// A scan step's visitor that records what it is shown; wants the hunts in
// `hunts` (all when empty) and ends the step after `stop_after` boxes.
struct Recorder final : BoxVisitor {
  std::vector<std::string> hunts;
  std::size_t stop_after = SIZE_MAX;
  std::vector<Read> seen;
  std::vector<std::uint64_t> ids;

  bool wants(std::string_view hunt) override {
    return hunts.empty() || std::find(hunts.begin(), hunts.end(), hunt) != hunts.end();
  }
  bool visit(const BoxView& box) override {
    ids.push_back(box.id);
    Read r;
    r.result.found = true;
    r.result.version = box.version;
    r.payload = box.payload;
    r.hunt = box.hunt;
    seen.push_back(r);
    return seen.size() < stop_after;
  }
};

// Scans the whole store in steps of `step` slots, as a worker does; returns
// the ids in the order seen and counts the steps.
std::vector<std::uint64_t> scan_in_steps(const BoxStore& store, Recorder& recorder,
                                         std::size_t step, std::size_t* steps = nullptr) {
  std::size_t slot = 0;
  std::size_t n = 0;
  while (slot < store.slot_count()) {
    const std::size_t next = store.visit_boxes(slot, step, recorder);
    EXPECT_EQ(next, std::min(slot + step, store.slot_count())) << "a step must end after its slots";
    slot = next;
    ++n;
  }
  if (steps != nullptr) *steps = n;
  return recorder.ids;
}

TEST(BoxStore, ScanInStepsOfAnySizeVisitsEveryBoxOnceInInsertionOrder) {
  BoxStore store({.max_boxes = 100});
  std::vector<std::uint64_t> written;
  for (std::uint64_t id = 1; id <= 100; ++id) {
    store.write(id * 7919, bytes("x"), id % 2 == 0 ? "even" : "odd");
    written.push_back(id * 7919);
  }
  ASSERT_EQ(store.slot_count(), 100U);
  for (const std::size_t step : {1, 3, 7, 64, 100, 1000}) {
    Recorder all;
    std::size_t steps = 0;
    EXPECT_EQ(scan_in_steps(store, all, step, &steps), written) << "step " << step;
    EXPECT_EQ(steps, (100 + step - 1) / step) << "step " << step;
  }
}

TEST(BoxStore, ScanShowsWantedBoxesWithTheirCurrentHuntPayloadAndVersion) {
  BoxStore store({.max_boxes = 16});
  store.write(1, bytes("a1"), "a");
  store.write(2, bytes("b2"), "b");
  store.write(3, bytes("a3"), "a");
  store.write(4, bytes("a4"), "a");
  store.write(3, bytes("b3"), "b");  // moved from a to b
  store.write(4, bytes("a4'"));      // stays in a, version 2
  store.write(5, bytes("none"));     // no hunt
  Recorder a;
  a.hunts = {"a"};
  EXPECT_EQ(store.visit_boxes(0, 16, a), 5U);
  ASSERT_EQ(a.ids, (std::vector<std::uint64_t>{1, 4}));
  EXPECT_EQ(a.seen[0].payload, "a1");
  EXPECT_EQ(a.seen[0].result.version, 1U);
  EXPECT_EQ(a.seen[1].payload, "a4'");
  EXPECT_EQ(a.seen[1].hunt, "a");
  EXPECT_EQ(a.seen[1].result.version, 2U);
  Recorder b;
  b.hunts = {"b"};
  store.visit_boxes(0, 16, b);
  EXPECT_EQ(b.ids, (std::vector<std::uint64_t>{2, 3}));
  EXPECT_EQ(b.seen[1].payload, "b3");
  Recorder no_hunt;
  no_hunt.hunts = {""};
  store.visit_boxes(0, 16, no_hunt);
  EXPECT_EQ(no_hunt.ids, (std::vector<std::uint64_t>{5}));
}

TEST(BoxStore, AVisitThatReturnsFalseEndsTheStepRightAfterItsBox) {
  BoxStore store({.max_boxes = 16});
  for (std::uint64_t id = 1; id <= 10; ++id)
    store.write(id, bytes("x"), id % 3 == 0 ? "c" : "other");
  Recorder c;
  c.hunts = {"c"};
  c.stop_after = 1;
  EXPECT_EQ(store.visit_boxes(0, 10, c), 3U) << "box 3 is in slot 2: resume at slot 3";
  c.stop_after = 2;
  EXPECT_EQ(store.visit_boxes(3, 10, c), 6U);
  c.stop_after = SIZE_MAX;
  EXPECT_EQ(store.visit_boxes(6, 10, c), 10U);
  EXPECT_EQ(c.ids, (std::vector<std::uint64_t>{3, 6, 9}));
}

TEST(BoxStore, AScanAtOrPastTheEndOrWithoutSlotsVisitsNothing) {
  BoxStore store({.max_boxes = 16});
  Recorder all;
  EXPECT_EQ(store.visit_boxes(0, 100, all), 0U) << "an empty store";
  store.write(1, bytes("x"));
  store.write(2, bytes("x"));
  EXPECT_EQ(store.visit_boxes(2, 100, all), 2U);
  EXPECT_EQ(store.visit_boxes(7, 100, all), 7U);
  EXPECT_EQ(store.visit_boxes(0, 0, all), 0U);
  EXPECT_TRUE(all.ids.empty());
}

TEST(BoxStore, BoxesAddedDuringAScanComeAfterTheOnesAlreadySeen) {
  BoxStore store({.max_boxes = 16});
  for (std::uint64_t id = 1; id <= 4; ++id)
    store.write(id, bytes("x"));
  Recorder all;
  std::size_t slot = store.visit_boxes(0, 2, all);
  store.write(1, bytes("y"));  // an update does not move a box
  store.write(50, bytes("new"));
  while (slot < store.slot_count())
    slot = store.visit_boxes(slot, 2, all);
  EXPECT_EQ(all.ids, (std::vector<std::uint64_t>{1, 2, 3, 4, 50}));
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

std::vector<Mapping> read_smaps() {
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

std::size_t count_advised(bool huge) {
  std::size_t n = 0;
  for (const Mapping& m : read_smaps())
    n += huge ? m.advised_huge : m.advised_no_huge;
  return n;
}

// The store's two large mappings (index, slots) carry the advice asked for,
// and with huge pages off a few thousand random boxes in a 1 M-box store
// cost 4 KiB pages, not 2 MiB ones (the RSS a small game pays).
// 120 bytes of the hunt's name: a payload long enough that a copy spans
// many words, so a scan racing a writer would see a mix.
std::string hunt_payload(std::string_view hunt) {
  std::string p;
  while (p.size() + hunt.size() <= 120)
    p += hunt;
  return p;
}

TEST(BoxStoreConcurrency, AScanNeverSeesAHuntAndPayloadFromTwoWrites) {
  // A writer moves boxes between hunts "even" and "odd" with the hunt's
  // name in the payload; scanners must only ever see matching pairs, and a
  // box's version must never go backwards from one scan to the next.
  BoxStore store({.max_boxes = 64});
  constexpr std::uint64_t kBoxes = 4;  // few, so each is rewritten often
  // Enough racing visits that a scan without the seqlock's final check
  // (hunt and payload from two writes) is caught in nearly every run.
  constexpr std::uint64_t kRacingVisits = 2'000'000;
  const std::string even = hunt_payload("even");
  const std::string odd = hunt_payload("odd");
  for (std::uint64_t id = 1; id <= kBoxes; ++id)
    store.write(id, bytes(even), "even");
  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> visits{0};
  std::thread writer([&] {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (std::uint64_t n = 0; visits.load(std::memory_order_relaxed) < kRacingVisits; ++n) {
      const bool is_odd = (n / kBoxes) % 2 == 0;
      store.write(1 + n % kBoxes, bytes(is_odd ? odd : even), is_odd ? "odd" : "even");
      if (n % 1024 == 0 && std::chrono::steady_clock::now() > deadline) break;
    }
    done.store(true);
  });
  struct Checker final : BoxVisitor {
    const std::string* even;
    const std::string* odd;
    std::array<std::uint64_t, kBoxes + 1> last_version{};
    std::uint64_t torn = 0;
    std::uint64_t went_back = 0;
    std::uint64_t visits = 0;
    Checker(const std::string& e, const std::string& o) : even(&e), odd(&o) {}
    bool wants(std::string_view hunt) override { return hunt == "even" || hunt == "odd"; }
    bool visit(const BoxView& box) override {
      ++visits;
      if (box.payload != (box.hunt == "odd" ? *odd : *even)) ++torn;
      if (box.version < last_version[box.id]) ++went_back;
      last_version[box.id] = box.version;
      return true;
    }
  };
  auto scanner = [&](Checker& checker) {
    while (!done.load()) {
      const std::uint64_t before = checker.visits;
      for (std::size_t slot = 0; slot < store.slot_count();)
        slot = store.visit_boxes(slot, 5, checker);
      visits.fetch_add(checker.visits - before, std::memory_order_relaxed);
    }
  };
  Checker c1(even, odd);
  Checker c2(even, odd);
  std::thread s1(scanner, std::ref(c1));
  std::thread s2(scanner, std::ref(c2));
  writer.join();
  s1.join();
  s2.join();
  for (const Checker* c : {&c1, &c2}) {
    EXPECT_GT(c->visits, 0U);
    EXPECT_EQ(c->torn, 0U) << "a scan saw a hunt and a payload from two different writes ("
                           << c->visits << " boxes seen)";
    EXPECT_EQ(c->went_back, 0U) << "a box's version went backwards between scans";
  }
}

TEST(BoxStore, HugePagesAreAdvisedOnlyWhenAsked) {
  const std::size_t huge_before = count_advised(true);
  const std::size_t no_huge_before = count_advised(false);
  {
    BoxStore store({.max_boxes = 1 << 20, .huge_pages = true});
    EXPECT_EQ(count_advised(true), huge_before + 2);
    EXPECT_EQ(count_advised(false), no_huge_before);
  }
  EXPECT_EQ(count_advised(true), huge_before);
  BoxStore store({.max_boxes = 1 << 20, .huge_pages = false});
  EXPECT_EQ(count_advised(true), huge_before);
  EXPECT_EQ(count_advised(false), no_huge_before + 2);
  std::mt19937_64 rng(7);
  for (int i = 0; i < 2000; ++i)
    ASSERT_EQ(store.write(rng() | 1, bytes("{\"x\":1}")).status, WriteStatus::stored);
  std::size_t rss_kib = 0;
  for (const Mapping& m : read_smaps()) {
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
