// The current state a WebSocket client is owed when it subscribes: the
// payload of each box of a box subscription that exists, and for a hunt
// subscription every stored box whose hunt it is, then one marker per hunt
// ({"op":"synced",…}) once its boxes are all out, so the client knows when it
// holds the hunt's whole state.
//
// Both go through the session's bounded send queue, which closes a client
// that falls behind (1008): a subscribe to 4,096 boxes, or a hunt of 100,000,
// must not trip that bound by itself. And finding a hunt's boxes means
// passing every slot of the store (up to --max-boxes, a million by default,
// ~10 ns a slot out of cache), on a worker that also answers polls within
// tens of microseconds. So the work runs in steps of at most kSlotsPerStep
// slots (or box lookups) and kPushesPerStep pushes, the session gives its
// worker's other connections a turn between steps, and a step stops early
// when the session's send queue has no room for snapshot messages; the
// session resumes it as writes complete. Boxes of box subscriptions go out
// first, in the order asked; then the hunts' scan.
//
// Hunts subscribed while a scan runs join it where it is: the scan goes on to
// the end of the store, wraps to the first slot, and a hunt is complete once
// the scan is back at the slot where it joined. One pass serves every hunt
// subscribed in a burst, instead of one pass per hunt.
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/box_store.hpp"

namespace trove::net {

// What a hunt's snapshot sends: every box (a full snapshot) or, recovering
// from a position the client holds, only the boxes whose change position
// is above `since`; `position` is the hunt position its synced marker hands
// the client (read once the subscription was in place).
struct HuntSync {
  bool recover = false;
  std::uint64_t since = 0;
  std::uint64_t position = 0;
};

// Where a snapshot's messages go: the session's send queue.
class SnapshotSink {
 public:
  // Whether the queue takes one more snapshot message now.
  virtual bool has_room() = 0;
  // One box of a hunt being sent (a push, as a live update's).
  virtual void push(const store::BoxView& box) = 0;
  // Every box of `hunt` is out: `boxes` pushes were sent for it.
  virtual void synced(std::string_view hunt, std::uint64_t boxes, const HuntSync& sync) = 0;
  // The boxes of a box subscription that gave versions are out: `pushes`
  // first states were sent since the previous such marker.
  virtual void boxes_synced(std::uint64_t pushes, bool recovered) = 0;

 protected:
  SnapshotSink() = default;
  SnapshotSink(const SnapshotSink&) = default;
  SnapshotSink& operator=(const SnapshotSink&) = default;
  ~SnapshotSink() = default;
};

class SubscriptionSnapshot final : private store::BoxVisitor {
 public:
  // A step over a large store out of cache: ~2.8 us for 256 slots, ~10.6 us
  // for 1024 (trove-microbench BM_StoreScanStep). Measured with 2,000 polls/s
  // over 1 M boxes on one pinned worker and a full-store snapshot ~22 % of
  // the time: poll p99 283-360 us with 256-slot steps, 371-449 us with 1024
  // (p50/p90 alike; no snapshot: 163-208 us; the whole store in one handler:
  // p90 7-8 ms, p99 13-15 ms). Smaller steps cost a post and an epoll_wait
  // each: 256 slots kept a 1 M-slot pass at ~14 ms.
  static constexpr std::size_t kSlotsPerStep = 256;
  // A push costs more than a slot (a message built and copied into the send
  // queue; the first of a step may also start a write), so a hunt whose
  // boxes are dense in the store yields as often; 16 is also what the
  // session's flow control hands out per resume (its spare buffers).
  static constexpr std::size_t kPushesPerStep = 16;

  // Sends `hunt`'s boxes; `slot_count` is the store's slot count now. Call
  // after the session is registered as the hunt's subscriber: boxes written
  // from then on are pushed live anyway, so the scan only has to cover the
  // slots that exist now. A hunt already being sent keeps its place (its one
  // marker answers both subscribes).
  void add(std::string_view hunt, std::size_t slot_count, const HuntSync& sync = {});
  // Stops sending `hunt` (unsubscribe): no more of its boxes, no marker.
  void remove(std::string_view hunt);
  // Sends the current payload of each of `boxes` that exists, once: a box
  // still waiting from an earlier subscribe keeps its place. Call after the
  // session subscribed to them (as for Add). With `versions` (one per box,
  // the version the client holds; 0: none) a box whose version is the one
  // held is not sent, and a marker (boxes_synced) follows the boxes.
  void add_boxes(std::span<const std::uint64_t> boxes, std::span<const std::uint64_t> versions = {},
                 bool marker = false, bool recovered = false);
  // Unsubscribed boxes that are still waiting are not sent.
  void remove_boxes(std::span<const std::uint64_t> boxes);
  void clear();
  [[nodiscard]] bool active() const noexcept {
    return !pending_.empty() || !boxes_waiting_.empty() || !markers_.empty();
  }
  // Queued box ids, stale ones included (tests: the queue stays bounded).
  [[nodiscard]] std::size_t queued_boxes() const noexcept { return boxes_.size(); }

  enum class Progress {
    kDone,     // no hunt left to send
    kMore,     // the step's budget is spent: post the next step
    kBlocked,  // the sink has no room: step again once writes made some
  };
  Progress step(const store::BoxStore& store, SnapshotSink& sink);

 private:
  struct PendingHunt {
    std::string name;
    std::size_t joined_at = 0;  // the cursor when it joined: its pass ends there
    bool wrapped = false;       // the cursor went past the end since it joined
    std::uint64_t boxes = 0;    // pushes sent for it
    HuntSync sync;
  };

  // Sends the markers of hunts whose pass is complete; false if the sink had
  // no room for one.
  bool finish_complete_hunts(SnapshotSink& sink);
  // The box subscriptions' part of a step; false when it ran out of budget
  // or room (`progress` says which).
  bool send_boxes(const store::BoxStore& store, SnapshotSink& sink, Progress& progress);
  bool wants(std::string_view hunt) override;
  bool visit(const store::BoxView& box) override;

  // Boxes of box subscriptions still to send, in order (id 0: the next of
  // markers_), and the ids still wanted with the version the client holds
  // (0: none). An unsubscribed box leaves only boxes_waiting_ (O(1)); its
  // stale entry in boxes_ is skipped when reached, and boxes_ is compacted
  // once stale entries outnumber the live ones, so it stays within twice the
  // connection's subscription bound however a client alternates. The held
  // version lives in the map, so a box subscribed again with another
  // position is sent against the newest one.
  std::deque<std::uint64_t> boxes_;
  boost::unordered_flat_map<std::uint64_t, std::uint64_t> boxes_waiting_;
  std::deque<bool> markers_;         // per marker: recovered
  std::uint64_t marker_pushes_ = 0;  // first states sent since the last marker
  void compact_boxes();
  // Few per connection (a hunt joins for the length of one pass), so a
  // linear search per slot; each step's slots shrink as hunts are added.
  std::vector<PendingHunt> pending_;
  std::size_t cursor_ = 0;  // next slot to scan
  std::size_t end_ = 0;     // the store's slot count when the latest hunt joined
  // Valid during Step(): where visit() sends, the hunt wants() matched, and
  // the pushes left in this step.
  SnapshotSink* sink_ = nullptr;
  std::size_t matched_ = 0;
  std::size_t pushes_left_ = 0;
};

}  // namespace trove::net
