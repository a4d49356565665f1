// HuntSnapshot: a hunt subscription's current state, scanned in bounded
// steps. Each hunt gets exactly its boxes once, then its marker; hunts that
// join a running scan are served by the same pass (wrapping around); a sink
// without room stops the scan where it is; removed hunts stop at once.
#include "net/hunt_snapshot.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace trove::net {
namespace {

using Progress = HuntSnapshot::Progress;

// Records what the snapshot sends; takes `room` more messages, then says no.
struct RecordingSink final : SnapshotSink {
  std::size_t room = SIZE_MAX;
  std::vector<std::string> messages;  // "push <box>" / "synced <hunt> <n>"
  std::map<std::string, std::vector<std::uint64_t>> boxes_by_hunt;
  std::uint64_t sent_without_room = 0;

  bool HasRoom() override { return room > 0; }
  void Push(const store::BoxView& box) override {
    Take();
    messages.push_back("push " + std::to_string(box.id));
    boxes_by_hunt[std::string(box.hunt)].push_back(box.id);
  }
  void Synced(std::string_view hunt, std::uint64_t boxes) override {
    Take();
    messages.push_back("synced " + std::string(hunt) + " " + std::to_string(boxes));
  }

 private:
  void Take() {
    if (room == 0) ++sent_without_room;
    if (room != SIZE_MAX && room > 0) --room;
  }
};

std::span<const char> bytes(std::string_view s) {
  return {s.data(), s.size()};
}

// Steps until done (or blocked); returns the number of steps.
std::size_t RunToEnd(HuntSnapshot& snapshot, const store::BoxStore& store, SnapshotSink& sink,
                     Progress* last = nullptr) {
  std::size_t steps = 0;
  Progress p = Progress::kMore;
  while (p == Progress::kMore) {
    p = snapshot.Step(store, sink);
    ++steps;
  }
  if (last != nullptr) *last = p;
  return steps;
}

TEST(HuntSnapshot, SendsExactlyTheHuntsBoxesInSlotOrderThenItsMarker) {
  store::BoxStore store({.max_boxes = 64});
  for (std::uint64_t id = 1; id <= 10; ++id)
    store.write(id, bytes("{}"), id % 2 == 0 ? "even" : "odd");
  store.write(3, bytes("{}"), "even");  // moved from odd to even
  HuntSnapshot snapshot;
  RecordingSink sink;
  snapshot.Add("even", store.slot_count());
  Progress last{};
  RunToEnd(snapshot, store, sink, &last);
  EXPECT_EQ(last, Progress::kDone);
  EXPECT_EQ(sink.messages, (std::vector<std::string>{"push 2", "push 3", "push 4", "push 6",
                                                     "push 8", "push 10", "synced even 6"}));
  EXPECT_FALSE(snapshot.active());
}

TEST(HuntSnapshot, AHuntWithNoBoxesOrAnEmptyStoreGetsItsMarkerAtOnce) {
  store::BoxStore store({.max_boxes = 8});
  HuntSnapshot snapshot;
  RecordingSink sink;
  snapshot.Add("none", store.slot_count());
  EXPECT_EQ(snapshot.Step(store, sink), Progress::kDone);
  store.write(1, bytes("{}"), "other");
  snapshot.Add("none", store.slot_count());
  EXPECT_EQ(snapshot.Step(store, sink), Progress::kDone);
  EXPECT_EQ(sink.messages, (std::vector<std::string>{"synced none 0", "synced none 0"}));
}

TEST(HuntSnapshot, StepsAreBoundedInSlotsAndInPushes) {
  store::BoxStore store({.max_boxes = 8192});
  for (std::uint64_t id = 1; id <= 5000; ++id)
    store.write(id, bytes("{}"), id <= 100 ? "dense" : "other");
  HuntSnapshot snapshot;
  RecordingSink sink;
  snapshot.Add("dense", store.slot_count());
  // The first 100 slots are all "dense": a step ends after kPushesPerStep.
  EXPECT_EQ(snapshot.Step(store, sink), Progress::kMore);
  EXPECT_EQ(sink.messages.size(), HuntSnapshot::kPushesPerStep);
  // The rest needs ceil(slots / kSlotsPerStep) steps at least.
  const std::size_t steps = 1 + RunToEnd(snapshot, store, sink);
  const std::size_t min_steps =
      100 / HuntSnapshot::kPushesPerStep + (5000 - 100) / HuntSnapshot::kSlotsPerStep;
  EXPECT_GE(steps, min_steps);
  EXPECT_LE(steps, min_steps + 3);
  EXPECT_EQ(sink.messages.back(), "synced dense 100");
}

TEST(HuntSnapshot, ManyHuntsAtOnceShrinkEachStepsSlots) {
  store::BoxStore store({.max_boxes = 64});
  for (std::uint64_t id = 1; id <= 10; ++id)
    store.write(id, bytes("{}"), "h0");
  HuntSnapshot snapshot;
  RecordingSink sink;
  // kSlotsPerStep hunts or more: every slot is compared with each of them,
  // so a step covers a single slot.
  for (std::size_t h = 0; h < HuntSnapshot::kSlotsPerStep; ++h)
    snapshot.Add("h" + std::to_string(h), store.slot_count());
  EXPECT_EQ(snapshot.Step(store, sink), Progress::kMore);
  EXPECT_EQ(sink.messages, std::vector<std::string>{"push 1"});
  RunToEnd(snapshot, store, sink);
  EXPECT_EQ(sink.boxes_by_hunt["h0"].size(), 10U);
  EXPECT_EQ(sink.messages.size(), 10 + HuntSnapshot::kSlotsPerStep);
}

TEST(HuntSnapshot, ASinkWithoutRoomStopsTheScanWhereItIs) {
  store::BoxStore store({.max_boxes = 64});
  for (std::uint64_t id = 1; id <= 20; ++id)
    store.write(id, bytes("{}"), "h");
  HuntSnapshot snapshot;
  RecordingSink sink;
  sink.room = 5;
  snapshot.Add("h", store.slot_count());
  EXPECT_EQ(snapshot.Step(store, sink), Progress::kBlocked);
  EXPECT_EQ(sink.messages.size(), 5U);
  EXPECT_EQ(snapshot.Step(store, sink), Progress::kBlocked) << "still no room";
  EXPECT_EQ(sink.messages.size(), 5U);
  sink.room = 15;  // room for the boxes but not for the marker
  EXPECT_EQ(snapshot.Step(store, sink), Progress::kBlocked);
  sink.room = 1;
  EXPECT_EQ(snapshot.Step(store, sink), Progress::kDone);
  EXPECT_EQ(sink.sent_without_room, 0U);
  std::vector<std::uint64_t> expected;
  for (std::uint64_t id = 1; id <= 20; ++id)
    expected.push_back(id);
  EXPECT_EQ(sink.boxes_by_hunt["h"], expected) << "no box skipped or repeated across pauses";
  EXPECT_EQ(sink.messages.back(), "synced h 20");
}

TEST(HuntSnapshot, AHuntJoiningMidPassWrapsAroundAndGetsEachOfItsBoxesOnce) {
  store::BoxStore store({.max_boxes = 8192});
  for (std::uint64_t id = 1; id <= 3000; ++id)
    store.write(id, bytes("{}"), id % 3 == 0 ? "a" : (id % 3 == 1 ? "b" : "c"));
  HuntSnapshot snapshot;
  RecordingSink sink;
  snapshot.Add("a", store.slot_count());
  for (int i = 0; i < 10; ++i)
    ASSERT_EQ(snapshot.Step(store, sink), Progress::kMore);
  const std::size_t a_before_b = sink.boxes_by_hunt["a"].size();
  ASSERT_GT(a_before_b, 0U);
  ASSERT_LT(a_before_b, 1000U) << "b must join mid-pass";
  store.write(3001, bytes("{}"), "b");  // after the join of a, before b's
  snapshot.Add("b", store.slot_count());
  RunToEnd(snapshot, store, sink);
  EXPECT_EQ(sink.boxes_by_hunt["a"].size(), 1000U);
  EXPECT_EQ(sink.boxes_by_hunt["b"].size(), 1001U);
  for (const auto& [hunt, boxes] : sink.boxes_by_hunt) {
    std::vector<std::uint64_t> sorted = boxes;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end())
        << "a box of " << hunt << " was sent twice";
  }
  EXPECT_EQ(sink.boxes_by_hunt.count("c"), 0U);
  // a's marker comes at the end of the store, b's once the scan wrapped
  // back to where b joined; each after all of its boxes.
  const auto synced_a = std::find(sink.messages.begin(), sink.messages.end(), "synced a 1000");
  const auto synced_b = std::find(sink.messages.begin(), sink.messages.end(), "synced b 1001");
  ASSERT_NE(synced_a, sink.messages.end());
  ASSERT_NE(synced_b, sink.messages.end());
  EXPECT_LT(synced_a, synced_b);
  EXPECT_EQ(synced_b + 1, sink.messages.end());
  EXPECT_EQ(std::find(synced_a, sink.messages.end(), "push 3000"), sink.messages.end());
}

TEST(HuntSnapshot, BoxesAddedAfterTheSubscribeAreLeftToLivePushes) {
  store::BoxStore store({.max_boxes = 64});
  store.write(1, bytes("{}"), "h");
  HuntSnapshot snapshot;
  RecordingSink sink;
  snapshot.Add("h", store.slot_count());
  store.write(2, bytes("{}"), "h");  // published to the subscriber anyway
  RunToEnd(snapshot, store, sink);
  EXPECT_EQ(sink.messages, (std::vector<std::string>{"push 1", "synced h 1"}));
}

TEST(HuntSnapshot, ARemovedHuntGetsNoMoreBoxesAndNoMarker) {
  store::BoxStore store({.max_boxes = 8192});
  for (std::uint64_t id = 1; id <= 4000; ++id)
    store.write(id, bytes("{}"), id % 2 == 0 ? "x" : "y");
  HuntSnapshot snapshot;
  RecordingSink sink;
  snapshot.Add("x", store.slot_count());
  snapshot.Add("y", store.slot_count());
  ASSERT_EQ(snapshot.Step(store, sink), Progress::kMore);
  const std::size_t x_sent = sink.boxes_by_hunt["x"].size();
  snapshot.Remove("x");
  RunToEnd(snapshot, store, sink);
  EXPECT_EQ(sink.boxes_by_hunt["x"].size(), x_sent);
  EXPECT_EQ(sink.boxes_by_hunt["y"].size(), 2000U);
  EXPECT_EQ(sink.messages.back(), "synced y 2000");
  EXPECT_EQ(std::count_if(sink.messages.begin(), sink.messages.end(),
                          [](const std::string& m) { return m.rfind("synced", 0) == 0; }),
            1);
  snapshot.Add("x", store.slot_count());
  snapshot.Clear();
  EXPECT_FALSE(snapshot.active());
  EXPECT_EQ(snapshot.Step(store, sink), Progress::kDone);
}

TEST(HuntSnapshot, SubscribingAgainWhileAHuntIsBeingSentSharesItsPass) {
  store::BoxStore store({.max_boxes = 64});
  for (std::uint64_t id = 1; id <= 5; ++id)
    store.write(id, bytes("{}"), "h");
  HuntSnapshot snapshot;
  RecordingSink sink;
  snapshot.Add("h", store.slot_count());
  snapshot.Add("h", store.slot_count());
  RunToEnd(snapshot, store, sink);
  EXPECT_EQ(sink.messages.size(), 6U);
  EXPECT_EQ(sink.messages.back(), "synced h 5");
}

}  // namespace
}  // namespace trove::net
