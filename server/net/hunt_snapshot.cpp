#include "net/hunt_snapshot.hpp"

#include <algorithm>

namespace trove::net {

void HuntSnapshot::Add(std::string_view hunt, std::size_t slot_count) {
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
  pending_.push_back(PendingHunt{std::string(hunt), cursor_, false, 0});
}

void HuntSnapshot::Remove(std::string_view hunt) {
  std::erase_if(pending_, [hunt](const PendingHunt& h) { return h.name == hunt; });
}

void HuntSnapshot::Clear() {
  pending_.clear();
}

bool HuntSnapshot::FinishCompleteHunts(SnapshotSink& sink) {
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (!it->wrapped || cursor_ < it->joined_at) {
      ++it;
      continue;
    }
    if (!sink.HasRoom()) return false;
    sink.Synced(it->name, it->boxes);
    it = pending_.erase(it);  // keeps the others' order: markers in join order
  }
  return true;
}

HuntSnapshot::Progress HuntSnapshot::Step(const store::BoxStore& store, SnapshotSink& sink) {
  if (pending_.empty()) return Progress::kDone;
  sink_ = &sink;
  pushes_left_ = kPushesPerStep;
  // Each slot is compared with every pending hunt: the step's work stays
  // bounded however many hunts a client subscribes to at once.
  std::size_t slots_left = std::max<std::size_t>(1, kSlotsPerStep / pending_.size());
  for (;;) {
    if (!FinishCompleteHunts(sink)) return Progress::kBlocked;
    if (pending_.empty()) return Progress::kDone;
    if (cursor_ >= end_) {
      cursor_ = 0;
      for (PendingHunt& h : pending_)
        h.wrapped = true;
      continue;  // a hunt that joined at slot 0 is complete now
    }
    if (slots_left == 0 || pushes_left_ == 0) return Progress::kMore;
    if (!sink.HasRoom()) return Progress::kBlocked;
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

bool HuntSnapshot::wants(std::string_view hunt) {
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    if (pending_[i].name == hunt) {
      matched_ = i;
      return true;
    }
  }
  return false;
}

bool HuntSnapshot::visit(const store::BoxView& box) {
  ++pending_[matched_].boxes;
  sink_->Push(box);
  --pushes_left_;
  return pushes_left_ > 0 && sink_->HasRoom();
}

}  // namespace trove::net
