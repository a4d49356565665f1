// BoxStore's variable-size payloads: payloads above the inline bytes live in
// PayloadSpill blocks; memory follows what is stored, blocks are reused, a
// full reservation refuses cleanly, and readers never see a torn payload
// while writers move a box between inline and spilled storage.

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstring>
#include <string>
#include <thread>

#include "store/box_store.hpp"

namespace trove::store {
namespace {

constexpr std::size_t kKiB = 1024;

std::span<const char> bytes(std::string_view s) {
  return {s.data(), s.size()};
}

std::string read_payload(const BoxStore& store, std::uint64_t id) {
  std::array<char, kPayloadMaxLimit> buffer;
  const ReadResult r = store.read(id, buffer);
  if (!r.found) return "<absent>";
  return {buffer.data(), r.payload_size};
}

BoxStoreConfig spill_config(std::size_t spill_bytes) {
  return {.max_boxes = 4096,
          .payload_max = 64 * kKiB + kKiB,
          .huge_pages = false,
          .inline_payload_bytes = 128,
          .spill_bytes = spill_bytes};
}

TEST(PayloadSpill, PayloadsAboveTheInlineBytesRoundTripThroughABlock) {
  BoxStore store(spill_config(std::size_t{16} << 20));
  const std::string small(128, 's');
  const std::string large(64 * kKiB + 100, 'L');
  ASSERT_EQ(store.write(1, bytes(small)).status, WriteStatus::stored);
  EXPECT_EQ(store.spill().used_bytes(), 0U) << "an inline payload takes no block";
  ASSERT_EQ(store.write(2, bytes(large), "h").status, WriteStatus::stored);
  EXPECT_EQ(read_payload(store, 1), small);
  EXPECT_EQ(read_payload(store, 2), large);
  EXPECT_GE(store.spill().used_bytes(), large.size());
  EXPECT_EQ(store.write(3, bytes(std::string(store.payload_max() + 1, 'x'))).status,
            WriteStatus::payload_too_large);
}

TEST(PayloadSpill, ShrinkingFreesTheBlockAndTheNextLargePayloadReusesIt) {
  BoxStore store(spill_config(std::size_t{16} << 20));
  ASSERT_EQ(store.write(7, bytes(std::string(4000, 'a'))).status, WriteStatus::stored);
  const std::size_t carved = store.spill().carved_bytes();
  EXPECT_GT(carved, 0U);
  ASSERT_EQ(store.write(7, bytes("tiny")).status, WriteStatus::stored);
  EXPECT_EQ(store.spill().used_bytes(), 0U);
  EXPECT_EQ(read_payload(store, 7), "tiny");
  ASSERT_EQ(store.write(8, bytes(std::string(3990, 'b'))).status, WriteStatus::stored);
  EXPECT_EQ(store.spill().carved_bytes(), carved) << "the freed block of that class is reused";
  EXPECT_EQ(read_payload(store, 8), std::string(3990, 'b'));
  // A rewrite of the same class stays in its block; a bigger class moves.
  ASSERT_EQ(store.write(8, bytes(std::string(3995, 'c'))).status, WriteStatus::stored);
  EXPECT_EQ(store.spill().carved_bytes(), carved);
  ASSERT_EQ(store.write(8, bytes(std::string(9000, 'd'))).status, WriteStatus::stored);
  EXPECT_EQ(read_payload(store, 8), std::string(9000, 'd'));
  EXPECT_LT(store.spill().used_bytes(), 9000U * 5 / 4 + 1);
}

TEST(PayloadSpill, MemoryFollowsTheStoredPayloadsWithAtMostAQuarterWasted) {
  BoxStore store(spill_config(std::size_t{64} << 20));
  for (std::uint64_t id = 1; id <= 1000; ++id) {
    ASSERT_EQ(store.write(id, bytes(std::string(50, 'x'))).status, WriteStatus::stored);
  }
  EXPECT_EQ(store.spill().carved_bytes(), 0U);
  for (std::size_t size = 129; size <= 64 * kKiB; size = size * 3 / 2) {
    const std::uint64_t id = 5000 + size;
    ASSERT_EQ(store.write(id, bytes(std::string(size, 'y'))).status, WriteStatus::stored);
    const std::size_t before = store.spill().used_bytes();
    ASSERT_EQ(store.write(id, bytes("z")).status, WriteStatus::stored);
    const std::size_t block = before - store.spill().used_bytes();
    EXPECT_GE(block, size);
    EXPECT_LE(block, size + size / 4 + 64) << "payload of " << size << " bytes";
  }
}

TEST(PayloadSpill, AFullReservationRefusesTheWriteAndKeepsTheBoxAsItWas) {
  BoxStore store(spill_config(16 * kKiB));
  ASSERT_EQ(store.write(1, bytes(std::string(10 * kKiB, 'a')), "keep").status, WriteStatus::stored);
  const WriteResult refused = store.write(1, bytes(std::string(20 * kKiB, 'b')), "other");
  EXPECT_EQ(refused.status, WriteStatus::spill_full);
  EXPECT_NE(to_string(refused.status).find("--store-spill-mib"), std::string_view::npos);
  EXPECT_EQ(read_payload(store, 1), std::string(10 * kKiB, 'a'));
  EXPECT_EQ(store.version(1), 1U);
  EXPECT_GE(store.spill().refused(), 1U);
  // Without any reservation only inline payloads are stored.
  BoxStore no_spill(spill_config(0));
  EXPECT_EQ(no_spill.write(1, bytes(std::string(129, 'c'))).status, WriteStatus::spill_full);
  EXPECT_EQ(no_spill.write(1, bytes(std::string(128, 'c'))).status, WriteStatus::stored);
}

TEST(PayloadSpill, RestoreStoresALargePayloadToo) {
  BoxStore store(spill_config(std::size_t{1} << 20));
  const std::string large(5000, 'r');
  ASSERT_EQ(store.restore(9, 4, bytes(large), "h").status, WriteStatus::stored);
  EXPECT_EQ(read_payload(store, 9), large);
  EXPECT_EQ(store.version(9), 4U);
}

TEST(PayloadSpill, HandlesOutsideTheReservationNameNoBlock) {
  const PayloadSpill spill(64 * kKiB, 4 * kKiB, false);
  EXPECT_EQ(spill.words(PayloadSpill::kNoBlock), nullptr);
  EXPECT_EQ(spill.words(~std::uint64_t{0}), nullptr);
  EXPECT_EQ(spill.words((std::uint64_t{1} << 40) | 1U), nullptr);
  EXPECT_EQ(spill.capacity_of(PayloadSpill::kNoBlock), 0U);
}

// Every byte derives from (writer, n); lengths cross the inline limit and
// several size classes, so writes move the box between slot and blocks.
std::string varied_payload(std::uint64_t writer, std::uint64_t n) {
  const std::size_t length = 16 + (n * 397) % 6000;
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
  return varied_payload(static_cast<unsigned char>(p[8]), n) == p;
}

TEST(PayloadSpillConcurrency, ReadersNeverSeeATornPayloadWhileBlocksMoveAndAreReused) {
  BoxStore store(spill_config(std::size_t{8} << 20));
  constexpr std::uint64_t kWrites = 6000;
  std::atomic<int> writers_done{0};
  std::atomic<std::uint64_t> reads{0};
  std::atomic<std::uint64_t> torn{0};
  ASSERT_EQ(store.write(1, bytes(varied_payload(1, 0))).status, WriteStatus::stored);
  // Writer 1 and 2 race on box 1; writer 3 churns box 2, so blocks box 1
  // frees are taken and overwritten while box 1's readers may still read them.
  auto writer = [&](std::uint64_t id, std::uint64_t box) {
    while (reads.load() < 2)
      std::this_thread::yield();
    for (std::uint64_t n = 1; n <= kWrites; ++n) {
      ASSERT_EQ(store.write(box, bytes(varied_payload(id, n))).status, WriteStatus::stored);
    }
    writers_done.fetch_add(1);
  };
  auto reader = [&] {
    std::array<char, kPayloadMaxLimit> buffer;
    while (writers_done.load() < 3) {
      const ReadResult r = store.read(1, buffer);
      if (!r.found) continue;
      reads.fetch_add(1, std::memory_order_relaxed);
      if (!consistent({buffer.data(), r.payload_size})) torn.fetch_add(1);
    }
  };
  std::thread r1(reader);
  std::thread r2(reader);
  std::thread w1(writer, 1, 1);
  std::thread w2(writer, 2, 1);
  std::thread w3(writer, 3, 2);
  for (std::thread* t : {&w1, &w2, &w3, &r1, &r2})
    t->join();
  EXPECT_EQ(torn.load(), 0U) << "a reader saw a payload mixing two writes";
  EXPECT_EQ(store.version(1), 1 + 2 * kWrites);
  EXPECT_TRUE(consistent(read_payload(store, 1)));
}

}  // namespace
}  // namespace trove::store
