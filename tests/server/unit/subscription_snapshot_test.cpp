// SubscriptionSnapshot: the current state of new subscriptions, in bounded
// steps. A box subscription's boxes go out once each, in order, waiting for
// room. Each hunt gets exactly its boxes once, then its marker; hunts that
// join a running scan are served by the same pass (wrapping around); a sink
// without room stops the scan where it is; removed hunts stop at once.
#include "net/subscription_snapshot.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace trove::net {
namespace {

using Progress = SubscriptionSnapshot::Progress;

// Records what the snapshot sends; takes `room` more messages, then says no.
struct RecordingSink final : SnapshotSink {
  std::size_t room = SIZE_MAX;
  std::vector<std::string> messages;  // "push <box>" / "synced <hunt> <n>"
  std::map<std::string, std::vector<std::uint64_t>> boxes_by_hunt;
  std::uint64_t sent_without_room = 0;

  bool has_room() override { return room > 0; }
  void push(const store::BoxView& box) override {
    take_room();
    messages.push_back("push " + std::to_string(box.id));
    boxes_by_hunt[std::string(box.hunt)].push_back(box.id);
  }
  void synced(std::string_view hunt, std::uint64_t boxes, const HuntSync& sync) override {
    take_room();
    messages.push_back("synced " + std::string(hunt) + " " + std::to_string(boxes));
    positions.push_back(sync.position);
  }
  std::vector<std::uint64_t> positions;  // each synced marker's position
  void boxes_synced(std::uint64_t pushes, bool recovered) override {
    take_room();
    messages.push_back("boxes synced " + std::to_string(pushes) +
                       (recovered ? " recovered" : " full"));
  }

 private:
  void take_room() {
    if (room == 0) ++sent_without_room;
    if (room != SIZE_MAX && room > 0) --room;
  }
};

std::span<const char> bytes(std::string_view s) {
  return {s.data(), s.size()};
}

// Steps until done (or blocked); returns the number of steps.
std::size_t run_to_end(SubscriptionSnapshot& snapshot, const store::BoxStore& store,
                       SnapshotSink& sink, Progress* last = nullptr) {
  std::size_t steps = 0;
  Progress p = Progress::kMore;
  while (p == Progress::kMore) {
    p = snapshot.step(store, sink);
    ++steps;
  }
  if (last != nullptr) *last = p;
  return steps;
}

TEST(SubscriptionSnapshot, RecoveringSendsOnlyBoxesChangedAfterThePositionThenItsMarker) {
  store::BoxStore store({.max_boxes = 64});
  for (std::uint64_t id = 1; id <= 10; ++id) {
    store.write(id, bytes("{}"), id <= 8 ? "h" : "other");
    store.set_change(id, 100 + id);
  }
  SubscriptionSnapshot snapshot;
  RecordingSink sink;
  snapshot.add("h", store.slot_count(), HuntSync{true, 105, 110});
  run_to_end(snapshot, store, sink);
  EXPECT_EQ(sink.messages, (std::vector<std::string>{"push 6", "push 7", "push 8", "synced h 3"}));
  EXPECT_EQ(sink.positions, (std::vector<std::uint64_t>{110}));

  RecordingSink nothing_missed;
  snapshot.add("h", store.slot_count(), HuntSync{true, 110, 110});
  run_to_end(snapshot, store, nothing_missed);
  EXPECT_EQ(nothing_missed.messages, (std::vector<std::string>{"synced h 0"}));

  RecordingSink full;
  snapshot.add("h", store.slot_count(), HuntSync{false, 0, 110});
  run_to_end(snapshot, store, full);
  EXPECT_EQ(full.messages.back(), "synced h 8");
}

TEST(SubscriptionSnapshot, BoxesWithVersionsHeldSendOnlyTheChangedOnesThenAMarker) {
  store::BoxStore store({.max_boxes = 64});
  for (std::uint64_t id = 1; id <= 4; ++id)
    store.write(id, bytes("{}"), "h");
  store.write(2, bytes("{}"));  // version 2
  SubscriptionSnapshot snapshot;
  RecordingSink sink;
  const std::vector<std::uint64_t> boxes{1, 2, 3, 9};
  const std::vector<std::uint64_t> held{1, 1, 0, 4};  // 1 current, 2 behind, 3 none, 9 unknown
  snapshot.add_boxes(boxes, held, true, true);
  run_to_end(snapshot, store, sink);
  EXPECT_EQ(sink.messages,
            (std::vector<std::string>{"push 2", "push 3", "boxes synced 2 recovered"}));
  RecordingSink plain;
  snapshot.add_boxes(boxes);  // no versions, no marker: as before recovery existed
  run_to_end(snapshot, store, plain);
  EXPECT_EQ(plain.messages, (std::vector<std::string>{"push 1", "push 2", "push 3"}));
}

TEST(SubscriptionSnapshot, SendsExactlyTheHuntsBoxesInSlotOrderThenItsMarker) {
  store::BoxStore store({.max_boxes = 64});
  for (std::uint64_t id = 1; id <= 10; ++id)
    store.write(id, bytes("{}"), id % 2 == 0 ? "even" : "odd");
  store.write(3, bytes("{}"), "even");  // moved from odd to even
  SubscriptionSnapshot snapshot;
  RecordingSink sink;
  snapshot.add("even", store.slot_count());
  Progress last{};
  run_to_end(snapshot, store, sink, &last);
  EXPECT_EQ(last, Progress::kDone);
  EXPECT_EQ(sink.messages, (std::vector<std::string>{"push 2", "push 3", "push 4", "push 6",
                                                     "push 8", "push 10", "synced even 6"}));
  EXPECT_FALSE(snapshot.active());
}

TEST(SubscriptionSnapshot, AHuntWithNoBoxesOrAnEmptyStoreGetsItsMarkerAtOnce) {
  store::BoxStore store({.max_boxes = 8});
  SubscriptionSnapshot snapshot;
  RecordingSink sink;
  snapshot.add("none", store.slot_count());
  EXPECT_EQ(snapshot.step(store, sink), Progress::kDone);
  store.write(1, bytes("{}"), "other");
  snapshot.add("none", store.slot_count());
  EXPECT_EQ(snapshot.step(store, sink), Progress::kDone);
  EXPECT_EQ(sink.messages, (std::vector<std::string>{"synced none 0", "synced none 0"}));
}

TEST(SubscriptionSnapshot, StepsAreBoundedInSlotsAndInPushes) {
  store::BoxStore store({.max_boxes = 8192});
  for (std::uint64_t id = 1; id <= 5000; ++id)
    store.write(id, bytes("{}"), id <= 100 ? "dense" : "other");
  SubscriptionSnapshot snapshot;
  RecordingSink sink;
  snapshot.add("dense", store.slot_count());
  // The first 100 slots are all "dense": a step ends after kPushesPerStep.
  EXPECT_EQ(snapshot.step(store, sink), Progress::kMore);
  EXPECT_EQ(sink.messages.size(), SubscriptionSnapshot::kPushesPerStep);
  // The rest needs ceil(slots / kSlotsPerStep) steps at least.
  const std::size_t steps = 1 + run_to_end(snapshot, store, sink);
  const std::size_t min_steps = 100 / SubscriptionSnapshot::kPushesPerStep +
                                (5000 - 100) / SubscriptionSnapshot::kSlotsPerStep;
  EXPECT_GE(steps, min_steps);
  EXPECT_LE(steps, min_steps + 3);
  EXPECT_EQ(sink.messages.back(), "synced dense 100");
}

TEST(SubscriptionSnapshot, ManyHuntsAtOnceShrinkEachStepsSlots) {
  store::BoxStore store({.max_boxes = 64});
  for (std::uint64_t id = 1; id <= 10; ++id)
    store.write(id, bytes("{}"), "h0");
  SubscriptionSnapshot snapshot;
  RecordingSink sink;
  // kSlotsPerStep hunts or more: every slot is compared with each of them,
  // so a step covers a single slot.
  for (std::size_t h = 0; h < SubscriptionSnapshot::kSlotsPerStep; ++h)
    snapshot.add("h" + std::to_string(h), store.slot_count());
  EXPECT_EQ(snapshot.step(store, sink), Progress::kMore);
  EXPECT_EQ(sink.messages, std::vector<std::string>{"push 1"});
  run_to_end(snapshot, store, sink);
  EXPECT_EQ(sink.boxes_by_hunt["h0"].size(), 10U);
  EXPECT_EQ(sink.messages.size(), 10 + SubscriptionSnapshot::kSlotsPerStep);
}

TEST(SubscriptionSnapshot, ASinkWithoutRoomStopsTheScanWhereItIs) {
  store::BoxStore store({.max_boxes = 64});
  for (std::uint64_t id = 1; id <= 20; ++id)
    store.write(id, bytes("{}"), "h");
  SubscriptionSnapshot snapshot;
  RecordingSink sink;
  sink.room = 5;
  snapshot.add("h", store.slot_count());
  EXPECT_EQ(snapshot.step(store, sink), Progress::kBlocked);
  EXPECT_EQ(sink.messages.size(), 5U);
  EXPECT_EQ(snapshot.step(store, sink), Progress::kBlocked) << "still no room";
  EXPECT_EQ(sink.messages.size(), 5U);
  sink.room = 15;  // room for the boxes but not for the marker
  EXPECT_EQ(snapshot.step(store, sink), Progress::kBlocked);
  sink.room = 1;
  EXPECT_EQ(snapshot.step(store, sink), Progress::kDone);
  EXPECT_EQ(sink.sent_without_room, 0U);
  std::vector<std::uint64_t> expected;
  for (std::uint64_t id = 1; id <= 20; ++id)
    expected.push_back(id);
  EXPECT_EQ(sink.boxes_by_hunt["h"], expected) << "no box skipped or repeated across pauses";
  EXPECT_EQ(sink.messages.back(), "synced h 20");
}

TEST(SubscriptionSnapshot, AHuntJoiningMidPassWrapsAroundAndGetsEachOfItsBoxesOnce) {
  store::BoxStore store({.max_boxes = 8192});
  for (std::uint64_t id = 1; id <= 3000; ++id)
    store.write(id, bytes("{}"), id % 3 == 0 ? "a" : (id % 3 == 1 ? "b" : "c"));
  SubscriptionSnapshot snapshot;
  RecordingSink sink;
  snapshot.add("a", store.slot_count());
  for (int i = 0; i < 10; ++i)
    ASSERT_EQ(snapshot.step(store, sink), Progress::kMore);
  const std::size_t a_before_b = sink.boxes_by_hunt["a"].size();
  ASSERT_GT(a_before_b, 0U);
  ASSERT_LT(a_before_b, 1000U) << "b must join mid-pass";
  store.write(3001, bytes("{}"), "b");  // after the join of a, before b's
  snapshot.add("b", store.slot_count());
  run_to_end(snapshot, store, sink);
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

TEST(SubscriptionSnapshot, BoxesAddedAfterTheSubscribeAreLeftToLivePushes) {
  store::BoxStore store({.max_boxes = 64});
  store.write(1, bytes("{}"), "h");
  SubscriptionSnapshot snapshot;
  RecordingSink sink;
  snapshot.add("h", store.slot_count());
  store.write(2, bytes("{}"), "h");  // published to the subscriber anyway
  run_to_end(snapshot, store, sink);
  EXPECT_EQ(sink.messages, (std::vector<std::string>{"push 1", "synced h 1"}));
}

TEST(SubscriptionSnapshot, ARemovedHuntGetsNoMoreBoxesAndNoMarker) {
  store::BoxStore store({.max_boxes = 8192});
  for (std::uint64_t id = 1; id <= 4000; ++id)
    store.write(id, bytes("{}"), id % 2 == 0 ? "x" : "y");
  SubscriptionSnapshot snapshot;
  RecordingSink sink;
  snapshot.add("x", store.slot_count());
  snapshot.add("y", store.slot_count());
  ASSERT_EQ(snapshot.step(store, sink), Progress::kMore);
  const std::size_t x_sent = sink.boxes_by_hunt["x"].size();
  snapshot.remove("x");
  run_to_end(snapshot, store, sink);
  EXPECT_EQ(sink.boxes_by_hunt["x"].size(), x_sent);
  EXPECT_EQ(sink.boxes_by_hunt["y"].size(), 2000U);
  EXPECT_EQ(sink.messages.back(), "synced y 2000");
  EXPECT_EQ(std::count_if(sink.messages.begin(), sink.messages.end(),
                          [](const std::string& m) { return m.rfind("synced", 0) == 0; }),
            1);
  snapshot.add("x", store.slot_count());
  snapshot.clear();
  EXPECT_FALSE(snapshot.active());
  EXPECT_EQ(snapshot.step(store, sink), Progress::kDone);
}

TEST(SubscriptionSnapshot, SubscribingAgainWhileAHuntIsBeingSentSharesItsPass) {
  store::BoxStore store({.max_boxes = 64});
  for (std::uint64_t id = 1; id <= 5; ++id)
    store.write(id, bytes("{}"), "h");
  SubscriptionSnapshot snapshot;
  RecordingSink sink;
  snapshot.add("h", store.slot_count());
  snapshot.add("h", store.slot_count());
  run_to_end(snapshot, store, sink);
  EXPECT_EQ(sink.messages.size(), 6U);
  EXPECT_EQ(sink.messages.back(), "synced h 5");
}

TEST(SubscriptionSnapshot, BoxesAreSentOnceEachInTheOrderAskedSkippingAbsentOnes) {
  store::BoxStore store({.max_boxes = 64});
  for (std::uint64_t id : {1, 2, 3, 5})
    store.write(id, bytes("{}"), "");
  SubscriptionSnapshot snapshot;
  RecordingSink sink;
  const std::vector<std::uint64_t> first{5, 4, 1};
  const std::vector<std::uint64_t> again{1, 2, 5, 3};  // 1 and 5 still waiting: not twice
  snapshot.add_boxes(first);
  snapshot.add_boxes(again);
  EXPECT_TRUE(snapshot.active());
  Progress last{};
  run_to_end(snapshot, store, sink, &last);
  EXPECT_EQ(last, Progress::kDone);
  EXPECT_EQ(sink.messages, (std::vector<std::string>{"push 5", "push 1", "push 2", "push 3"}));
  EXPECT_FALSE(snapshot.active());
  // Sent: a later subscribe to the same box sends its state again.
  snapshot.add_boxes(first);
  run_to_end(snapshot, store, sink);
  EXPECT_EQ(sink.messages.size(), 6U);
}

TEST(SubscriptionSnapshot, BoxesWaitForRoomAndUnsubscribedOnesAreDropped) {
  store::BoxStore store({.max_boxes = 64});
  std::vector<std::uint64_t> ids;
  for (std::uint64_t id = 1; id <= 40; ++id) {
    store.write(id, bytes("{}"), "");
    ids.push_back(id);
  }
  SubscriptionSnapshot snapshot;
  RecordingSink sink;
  sink.room = 10;
  snapshot.add_boxes(ids);
  EXPECT_EQ(snapshot.step(store, sink), Progress::kBlocked);
  EXPECT_EQ(sink.messages.size(), 10U);
  EXPECT_EQ(sink.sent_without_room, 0U);
  const std::vector<std::uint64_t> gone{11, 12, 40, 99};
  snapshot.remove_boxes(gone);
  sink.room = SIZE_MAX;
  run_to_end(snapshot, store, sink);
  EXPECT_EQ(sink.messages.size(), 37U);  // 40 minus 11, 12 and 40
  EXPECT_EQ(std::count(sink.messages.begin(), sink.messages.end(), "push 12"), 0);
  EXPECT_EQ(sink.messages.back(), "push 39");
}

TEST(SubscriptionSnapshot, AlternatingSubscribesWhileBlockedKeepTheQueueBoundedAndSendEachBoxOnce) {
  store::BoxStore store({.max_boxes = 16384});
  std::vector<std::uint64_t> ids;
  for (std::uint64_t id = 1; id <= 4096; ++id) {
    store.write(id, bytes("{}"), "");
    ids.push_back(id);
  }
  const std::span<const std::uint64_t> all(ids);
  SubscriptionSnapshot snapshot;
  RecordingSink sink;
  sink.room = 0;  // a client that never reads: nothing is sent
  for (int round = 0; round < 100; ++round) {
    snapshot.add_boxes(all);
    snapshot.remove_boxes(all.subspan(0, 4095));  // one box stays waiting each round
    EXPECT_LE(snapshot.queued_boxes(), 3 * ids.size()) << round;
  }
  snapshot.add_boxes(all.subspan(0, 10));
  EXPECT_LE(snapshot.queued_boxes(), 3 * ids.size());
  sink.room = SIZE_MAX;
  run_to_end(snapshot, store, sink);
  // Boxes 1..10 and 4096, once each.
  std::vector<std::string> want;
  for (std::uint64_t id : {4096, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
    want.push_back("push " + std::to_string(id));
  std::sort(want.begin(), want.end());
  std::sort(sink.messages.begin(), sink.messages.end());
  EXPECT_EQ(sink.messages, want);
  EXPECT_FALSE(snapshot.active());
}

// A box unsubscribed while waiting and subscribed again goes out against the
// version held at the newest subscribe, and every marker survives the
// queue's compaction, in order.
TEST(SubscriptionSnapshot, ABoxSubscribedAgainIsSentAgainstTheNewestVersionHeld) {
  store::BoxStore store({.max_boxes = 64});
  for (std::uint64_t id = 1; id <= 3; ++id)
    store.write(id, bytes("{}"), "h");  // version 1 each
  SubscriptionSnapshot snapshot;
  RecordingSink sink;
  sink.room = 0;  // nothing goes out until the last subscribe
  const std::vector<std::uint64_t> boxes{1, 2, 3};
  const std::vector<std::uint64_t> all_held{1, 1, 1};
  snapshot.add_boxes(boxes, all_held, true, true);
  for (int round = 0; round < 8; ++round) {  // enough stale entries to compact
    snapshot.remove_boxes(boxes);
    snapshot.add_boxes(boxes, all_held);
  }
  snapshot.remove_boxes(boxes);
  const std::vector<std::uint64_t> none_held{0, 1, 0};  // the client dropped 1 and 3
  snapshot.add_boxes(boxes, none_held, true, true);
  EXPECT_LE(snapshot.queued_boxes(), 2 * (boxes.size() + 2));
  sink.room = SIZE_MAX;
  run_to_end(snapshot, store, sink);
  // The first subscribe's boxes were all unsubscribed: its marker counts none.
  EXPECT_EQ(sink.messages, (std::vector<std::string>{"boxes synced 0 recovered", "push 1", "push 3",
                                                     "boxes synced 2 recovered"}));
  EXPECT_FALSE(snapshot.active());
}

// Without a compaction in between, the stale entry comes first in the queue
// and must still use the newest version held, or the box is never sent.
TEST(SubscriptionSnapshot, AStaleEntryOfABoxSubscribedAgainUsesTheNewestVersionHeld) {
  store::BoxStore store({.max_boxes = 64});
  std::vector<std::uint64_t> boxes;
  for (std::uint64_t id = 1; id <= 8; ++id) {
    store.write(id, bytes("{}"), "h");  // version 1 each
    boxes.push_back(id);
  }
  SubscriptionSnapshot snapshot;
  RecordingSink sink;
  sink.room = 0;
  const std::vector<std::uint64_t> held(boxes.size(), 1);  // holds every box
  snapshot.add_boxes(boxes, held, true, true);
  const std::vector<std::uint64_t> box1{1};
  const std::vector<std::uint64_t> none_held{0};
  snapshot.remove_boxes(box1);
  snapshot.add_boxes(box1, none_held, true, true);  // the client dropped box 1
  sink.room = SIZE_MAX;
  run_to_end(snapshot, store, sink);
  EXPECT_EQ(sink.messages, (std::vector<std::string>{"push 1", "boxes synced 1 recovered",
                                                     "boxes synced 0 recovered"}));
}

TEST(SubscriptionSnapshot, StepsOverBoxesAreBoundedInPushesAndLookups) {
  store::BoxStore store({.max_boxes = 8192});
  std::vector<std::uint64_t> ids;
  for (std::uint64_t id = 1; id <= 4096; ++id)
    ids.push_back(id);  // none exists: only lookups
  store.write(4096, bytes("{}"), "");
  SubscriptionSnapshot snapshot;
  RecordingSink sink;
  snapshot.add_boxes(ids);
  EXPECT_EQ(snapshot.step(store, sink), Progress::kMore);
  EXPECT_TRUE(sink.messages.empty());
  const std::size_t steps = 1 + run_to_end(snapshot, store, sink);
  EXPECT_EQ(steps, 4096 / SubscriptionSnapshot::kSlotsPerStep);
  EXPECT_EQ(sink.messages, (std::vector<std::string>{"push 4096"}));
}

TEST(SubscriptionSnapshot, BoxesGoOutBeforeAHuntsScanAndClearDropsBoth) {
  store::BoxStore store({.max_boxes = 64});
  store.write(1, bytes("{}"), "h");
  store.write(2, bytes("{}"), "");
  SubscriptionSnapshot snapshot;
  RecordingSink sink;
  snapshot.add("h", store.slot_count());
  const std::vector<std::uint64_t> box{2};
  snapshot.add_boxes(box);
  run_to_end(snapshot, store, sink);
  EXPECT_EQ(sink.messages, (std::vector<std::string>{"push 2", "push 1", "synced h 1"}));
  snapshot.add("h", store.slot_count());
  snapshot.add_boxes(box);
  snapshot.clear();
  EXPECT_FALSE(snapshot.active());
  EXPECT_EQ(snapshot.step(store, sink), Progress::kDone);
}

}  // namespace
}  // namespace trove::net
