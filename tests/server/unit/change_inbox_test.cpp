#include "net/change_inbox.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <vector>

namespace trove::net {
namespace {

// What the push tick keeps of a run of changes (push_coalescer.hpp): each
// box's latest position, the state a subscriber must end up with.
std::map<std::uint64_t, std::uint64_t> latest_per_box(const std::vector<Change>& changes) {
  std::map<std::uint64_t, std::uint64_t> latest;
  for (const Change& c : changes)
    latest[c.box] = std::max(latest[c.box], c.position);
  return latest;
}

bool in_position_order(const std::vector<Change>& changes) {
  return std::is_sorted(changes.begin(), changes.end(),
                        [](const Change& a, const Change& b) { return a.position < b.position; });
}

// Publishes `batches` batches of `batch_size` changes over `boxes` boxes
// (box = position modulo boxes, so every box changes again and again),
// checking the bound after every append.
struct Flood {
  std::vector<Change> published;
  std::size_t coalescings = 0;
  std::size_t largest = 0;
};
Flood flood(ChangeInbox& inbox, std::size_t batches, std::size_t batch_size, std::uint64_t boxes) {
  Flood f;
  std::uint64_t position = 1000;
  std::vector<Change> batch;
  for (std::size_t b = 0; b < batches; ++b) {
    batch.clear();
    for (std::size_t i = 0; i < batch_size; ++i, ++position)
      batch.push_back(Change{position % boxes, position});
    f.published.insert(f.published.end(), batch.begin(), batch.end());
    if (inbox.append(batch)) ++f.coalescings;
    f.largest = std::max(f.largest, inbox.size());
  }
  return f;
}

TEST(ChangeInbox, BelowItsBoundKeepsEveryChange) {
  ChangeInbox inbox(64);
  const Flood f = flood(inbox, 4, 16, 3);  // 64 changes, 3 boxes: at the bound, not past it
  EXPECT_EQ(f.coalescings, 0U);
  std::vector<Change> taken;
  inbox.take(taken);
  ASSERT_EQ(taken.size(), f.published.size());
  for (std::size_t i = 0; i < taken.size(); ++i) {
    EXPECT_EQ(taken[i].box, f.published[i].box);
    EXPECT_EQ(taken[i].position, f.published[i].position);
  }
  EXPECT_TRUE(inbox.empty());
}

TEST(ChangeInbox, FloodOverFewBoxesStaysUnderTheBoundAndKeepsEachBoxsLatestChange) {
  ChangeInbox inbox(64);
  const Flood f = flood(inbox, 10000, 10, 50);  // 100000 changes, nobody takes them
  EXPECT_GT(f.coalescings, 0U);
  // Coalesced to one entry per box (50), the next coalescing waits for twice that.
  EXPECT_LE(f.largest, 100U);
  EXPECT_EQ(inbox.bound(), 100U);
  std::vector<Change> taken;
  inbox.take(taken);
  EXPECT_TRUE(in_position_order(taken));
  EXPECT_EQ(latest_per_box(taken), latest_per_box(f.published));
}

TEST(ChangeInbox, FloodOverManyDistinctBoxesIsBoundedByTwiceTheBoxes) {
  ChangeInbox inbox(64);
  const std::uint64_t boxes = 5000;  // more boxes than the bound
  const Flood f = flood(inbox, 2000, 50, boxes);
  EXPECT_LE(f.largest, 2 * boxes);
  // Doubling keeps coalescing rare: far fewer than one per batch.
  EXPECT_LT(f.coalescings, 2000U / 10);
  std::vector<Change> taken;
  inbox.take(taken);
  EXPECT_TRUE(in_position_order(taken));
  EXPECT_EQ(latest_per_box(taken), latest_per_box(f.published));
}

TEST(ChangeInbox, DefaultBoundHoldsAgainstAMillionChanges) {
  ChangeInbox inbox;
  const Flood f = flood(inbox, 1000, 1000, 20000);
  EXPECT_GT(f.coalescings, 0U);
  EXPECT_LE(f.largest, ChangeInbox::kCoalesceAt);
  std::vector<Change> taken;
  inbox.take(taken);
  EXPECT_TRUE(in_position_order(taken));
  EXPECT_EQ(latest_per_box(taken), latest_per_box(f.published));
}

TEST(ChangeInbox, TakingResetsTheBound) {
  ChangeInbox inbox(64);
  flood(inbox, 100, 10, 100);  // coalesced to 100 boxes: bound 200
  EXPECT_EQ(inbox.bound(), 200U);
  std::vector<Change> taken{Change{1, 1}};  // cleared by take
  inbox.take(taken);
  EXPECT_EQ(inbox.bound(), 64U);
  const Flood f = flood(inbox, 6, 10, 100);  // 60 changes: under the bound again
  EXPECT_EQ(f.coalescings, 0U);
  inbox.take(taken);
  EXPECT_EQ(taken.size(), 60U);
}

}  // namespace
}  // namespace trove::net
