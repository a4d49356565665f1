#include "net/subscription_snapshot.hpp"

#include <algorithm>
#include <array>
#include <boost/unordered/unordered_flat_set.hpp>

namespace trove::net {

void SubscriptionSnapshot::add(std::string_view hunt, std::size_t slot_count,
                               const HuntSync& sync) {
  const auto same = [hunt](const PendingHunt& h) { return h.name == hunt; };
  if (std::any_of(pending_.begin(), pending_.end(), same)) return;
  if (pending_.empty()) {
    cursor_ = 0;
    end_ = 0;
  }
  // Slots only grow, so a later hunt never shortens an earlier one's pass;
  // an earlier hunt scanning the extra slots sees boxes it would have been
  // pushed live anyway.
  end_ = std::max(end_, slot_count);
  pending_.push_back(PendingHunt{std::string(hunt), cursor_, false, 0, sync});
}

void SubscriptionSnapshot::remove(std::string_view hunt) {
  std::erase_if(pending_, [hunt](const PendingHunt& h) { return h.name == hunt; });
}

void SubscriptionSnapshot::add_boxes(std::span<const std::uint64_t> boxes,
                                     std::span<const std::uint64_t> versions, bool marker,
                                     bool recovered) {
  for (std::size_t i = 0; i < boxes.size(); ++i) {
    const std::uint64_t held = i < versions.size() ? versions[i] : 0;
    const auto [it, added] = boxes_waiting_.try_emplace(boxes[i], held);
    if (added) boxes_.push_back(boxes[i]);
  }
  if (marker) {
    boxes_.push_back(0);
    markers_.push_back(recovered);
  }
  if (boxes_.size() > 2 * (boxes_waiting_.size() + markers_.size())) compact_boxes();
}

void SubscriptionSnapshot::remove_boxes(std::span<const std::uint64_t> boxes) {
  for (std::uint64_t box : boxes)
    boxes_waiting_.erase(box);
  if (boxes_.size() > 2 * (boxes_waiting_.size() + markers_.size())) compact_boxes();
}

// Keeps every marker and each wanted id's first entry, in order: a box
// unsubscribed and subscribed again has an entry for each time; the first
// one sends it.
void SubscriptionSnapshot::compact_boxes() {
  boost::unordered_flat_set<std::uint64_t> kept;
  kept.reserve(boxes_waiting_.size());
  std::erase_if(boxes_, [&](std::uint64_t id) {
    return id != 0 && (!boxes_waiting_.contains(id) || !kept.insert(id).second);
  });
}

void SubscriptionSnapshot::clear() {
  pending_.clear();
  boxes_.clear();
  boxes_waiting_.clear();
  markers_.clear();
  marker_pushes_ = 0;
}

bool SubscriptionSnapshot::send_boxes(const store::BoxStore& store, SnapshotSink& sink,
                                      Progress& progress) {
  // Lookups of boxes that do not exist cost a step too: a subscribe to
  // 4,096 absent boxes is bounded per step like a scan.
  std::size_t lookups_left = kSlotsPerStep;
  std::array<char, store::kPayloadMaxLimit> payload;  // uninitialised: 68 KiB, filled by read()
  const std::size_t max = store.payload_max();
  while (!boxes_.empty()) {
    if (pushes_left_ == 0 || lookups_left == 0) {
      progress = Progress::kMore;
      return false;
    }
    if (!sink.has_room()) {
      progress = Progress::kBlocked;
      return false;
    }
    const std::uint64_t id = boxes_.front();
    boxes_.pop_front();
    if (id == 0) {
      sink.boxes_synced(marker_pushes_, markers_.front());
      markers_.pop_front();
      marker_pushes_ = 0;
      continue;
    }
    const auto waiting = boxes_waiting_.find(id);
    if (waiting == boxes_waiting_.end()) continue;  // unsubscribed, or sent already
    const std::uint64_t held = waiting->second;
    boxes_waiting_.erase(waiting);
    --lookups_left;
    const store::ReadResult r = store.read(id, std::span<char>(payload.data(), max));
    // Recovering: the client holds this version already.
    if (!r.found || (held != 0 && r.version == held)) continue;
    sink.push(store::BoxView{id, r.version, {}, {payload.data(), std::min(r.payload_size, max)}});
    ++marker_pushes_;
    --pushes_left_;
  }
  return true;
}

bool SubscriptionSnapshot::finish_complete_hunts(SnapshotSink& sink) {
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (!it->wrapped || cursor_ < it->joined_at) {
      ++it;
      continue;
    }
    if (!sink.has_room()) return false;
    sink.synced(it->name, it->boxes, it->sync);
    it = pending_.erase(it);  // keeps the others' order: markers in join order
  }
  return true;
}

SubscriptionSnapshot::Progress SubscriptionSnapshot::step(const store::BoxStore& store,
                                                          SnapshotSink& sink) {
  if (!active()) return Progress::kDone;
  sink_ = &sink;
  pushes_left_ = kPushesPerStep;
  if (Progress progress = Progress::kMore; !send_boxes(store, sink, progress)) return progress;
  if (pending_.empty()) return Progress::kDone;
  // Each slot is compared with every pending hunt: the step's work stays
  // bounded however many hunts a client subscribes to at once.
  std::size_t slots_left = std::max<std::size_t>(1, kSlotsPerStep / pending_.size());
  for (;;) {
    if (!finish_complete_hunts(sink)) return Progress::kBlocked;
    if (pending_.empty()) return Progress::kDone;
    if (cursor_ >= end_) {
      cursor_ = 0;
      for (PendingHunt& h : pending_)
        h.wrapped = true;
      continue;  // a hunt that joined at slot 0 is complete now
    }
    if (slots_left == 0 || pushes_left_ == 0) return Progress::kMore;
    if (!sink.has_room()) return Progress::kBlocked;
    // Stop where the next hunt's pass ends, so its marker goes out there and
    // it does not get boxes twice.
    std::size_t stop = end_;
    for (const PendingHunt& h : pending_) {
      if (h.wrapped) stop = std::min(stop, h.joined_at);
    }
    const std::size_t from = cursor_;
    cursor_ = store.visit_boxes(from, std::min(slots_left, stop - from), *this);
    slots_left -= std::min(slots_left, cursor_ - from);
  }
}

bool SubscriptionSnapshot::wants(std::string_view hunt) {
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    if (pending_[i].name == hunt) {
      matched_ = i;
      return true;
    }
  }
  return false;
}

bool SubscriptionSnapshot::visit(const store::BoxView& box) {
  PendingHunt& hunt = pending_[matched_];
  // Recovering: the client holds every change up to `since`.
  if (hunt.sync.recover && box.change <= hunt.sync.since) return true;
  ++hunt.boxes;
  sink_->push(box);
  --pushes_left_;
  return pushes_left_ > 0 && sink_->has_room();
}

}  // namespace trove::net
