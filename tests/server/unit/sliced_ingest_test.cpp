// SlicedIngest: a batch ingested in slices of whole lines gives the same
// result as the batch in one ingest() call (counts, rejection indexes and
// codes, truncation of the listed rejections) and stores the same payloads.
#include "net/sliced_ingest.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace trove::net {
namespace {

using ingest::BatchResult;
using ingest::IngestConfig;
using ingest::IngestPipeline;

struct Harness {
  explicit Harness(IngestConfig config = {}) : pipeline(store, &arena, config) {}
  std::string payload(std::uint64_t box) const {
    std::array<char, store::kPayloadMaxLimit> buffer{};
    const store::ReadResult r = store.read(box, buffer);
    return r.found ? std::string(buffer.data(), r.payload_size) : std::string("<absent>");
  }
  memory::EpochArena arena{memory::EpochArenaConfig{.capacity_bytes = 8 * memory::kMiB}};
  store::BoxStore store{store::BoxStoreConfig{.max_boxes = 64}};
  IngestPipeline pipeline;
};

struct Flat {
  std::uint32_t accepted = 0;
  std::uint32_t rejected = 0;
  bool truncated = false;
  std::vector<std::pair<std::uint32_t, ingest::RejectCode>> rejections;
  bool operator==(const Flat&) const = default;
};

Flat flatten(const BatchResult& r) {
  Flat f{r.accepted, r.rejected, r.rejections_truncated, {}};
  for (const ingest::Rejection& x : r.rejections)
    f.rejections.emplace_back(x.index, x.code);
  return f;
}

Flat sliced(Harness& h, std::string_view batch, std::size_t lines, int* steps = nullptr) {
  SlicedIngest s;
  s.start(batch);
  int n = 1;
  while (!s.step(h.pipeline, lines))
    ++n;
  EXPECT_FALSE(s.active());
  if (steps != nullptr) *steps = n;
  return flatten(s.result());
}

// Good lines, every position of a bad one, blank lines, CRLF, a store-full
// rejection (the store holds 64 boxes) and a truncated last line.
std::string mixed_batch() {
  std::string b;
  for (int i = 1; i <= 70; ++i) {
    if (i % 7 == 0) {
      b += "{\"box\":" + std::to_string(i) + ",\"x\":}\n";  // malformed
    } else if (i % 11 == 0) {
      b += "\r\n";  // blank
    } else if (i % 13 == 0) {
      b += "{\"box\":0}\r\n";  // out of range
    } else {
      b += "{\"box\":" + std::to_string(i) + ",\"x\":" + std::to_string(i) + ".5}\n";
    }
  }
  for (int i = 1000; i < 1010; ++i)  // new boxes past the store's capacity
    b += "{\"box\":" + std::to_string(i) + "}\n";
  b += "{\"box\":5,\"x\":1";  // truncated, no final newline
  return b;
}

TEST(SlicedIngest, EverySliceSizeGivesTheUnslicedResult) {
  const std::string batch = mixed_batch();
  Harness whole;
  const Flat expected = flatten(whole.pipeline.ingest(batch));
  ASSERT_GT(expected.rejected, 10U);
  ASSERT_GT(expected.accepted, 40U);
  for (std::size_t lines : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{16},
                            std::size_t{80}, std::size_t{81}, SIZE_MAX}) {
    Harness h;
    EXPECT_EQ(sliced(h, batch, lines), expected) << "slices of " << lines << " lines";
    for (std::uint64_t box = 1; box <= 70; ++box)
      EXPECT_EQ(h.payload(box), whole.payload(box)) << "box " << box << ", slices of " << lines;
  }
}

TEST(SlicedIngest, SlicesAreWholeLines) {
  Harness h;
  std::string batch;
  for (int i = 1; i <= 40; ++i)
    batch += "{\"box\":" + std::to_string(i) + "}\n";
  int steps = 0;
  const Flat r = sliced(h, batch, 16, &steps);
  EXPECT_EQ(steps, 3);  // 16 + 16 + 8
  EXPECT_EQ(r.accepted, 40U);
  EXPECT_EQ(r.rejected, 0U);
  Harness once;
  EXPECT_EQ(sliced(once, batch, SIZE_MAX, &steps).accepted, 40U);
  EXPECT_EQ(steps, 1);
}

TEST(SlicedIngest, ListedRejectionsAreCappedAcrossSlices) {
  IngestConfig config;
  config.max_rejections_listed = 5;
  std::string batch;
  for (int i = 0; i < 30; ++i)
    batch += (i % 2 == 0) ? "nope\n" : "{\"box\":1}\n";
  Harness whole(config);
  const Flat expected = flatten(whole.pipeline.ingest(batch));
  ASSERT_TRUE(expected.truncated);
  Harness h(config);
  const Flat r = sliced(h, batch, 4);
  EXPECT_EQ(r, expected);
  ASSERT_EQ(r.rejections.size(), 5U);
  EXPECT_EQ(r.rejections.back().first, 8U);  // lines 0, 2, 4, 6, 8
  EXPECT_EQ(r.rejected, 15U);
}

TEST(SlicedIngest, EmptyAndNewlineOnlyBatchesMatchTheUnslicedResult) {
  for (std::string_view batch : {std::string_view(""), std::string_view("\n"),
                                 std::string_view("\n\n\n"), std::string_view("\r\n\r\n")}) {
    Harness whole;
    const Flat expected = flatten(whole.pipeline.ingest(batch));
    Harness h;
    EXPECT_EQ(sliced(h, batch, 1), expected) << "batch of " << batch.size() << " bytes";
  }
}

TEST(SlicedIngest, StartingAgainForgetsThePreviousBatch) {
  Harness h;
  SlicedIngest s;
  s.start("nope\n{\"box\":1}\n");
  while (!s.step(h.pipeline, 1)) {
  }
  EXPECT_EQ(s.result().rejected, 1U);
  s.start("{\"box\":2}\n");
  EXPECT_TRUE(s.active());
  EXPECT_TRUE(s.step(h.pipeline, 1));
  EXPECT_EQ(s.result().accepted, 1U);
  EXPECT_EQ(s.result().rejected, 0U);
  EXPECT_TRUE(s.result().rejections.empty());
}

}  // namespace
}  // namespace trove::net
