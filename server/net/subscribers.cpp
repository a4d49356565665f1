#include "net/subscribers.hpp"

#include <algorithm>

namespace trove::net {

namespace {

template <class Map, class Key>
void add_subscriber(Map& map, const Key& key, WsClientProtocol* s, std::atomic<std::uint64_t>& n) {
  auto& list = map[key];
  if (std::find(list.begin(), list.end(), s) != list.end()) return;
  list.push_back(s);
  n.fetch_add(1, std::memory_order_relaxed);
  // Pairs with the fence in Worker::PublishStored (store-then-load on both
  // sides): either the publisher sees this subscription, or the state this
  // new subscriber reads next (its snapshot) already holds the publisher's
  // write. Without it, both could miss an update, formally.
  std::atomic_thread_fence(std::memory_order_seq_cst);
}

template <class Map, class Key>
void remove_subscriber(Map& map, const Key& key, WsClientProtocol* s,
                       std::atomic<std::uint64_t>& n) {
  auto it = map.find(key);
  if (it == map.end()) return;
  auto& list = it->second;
  auto pos = std::find(list.begin(), list.end(), s);
  if (pos == list.end()) return;
  *pos = list.back();
  list.pop_back();
  n.fetch_sub(1, std::memory_order_relaxed);
  if (list.empty()) map.erase(it);
}

}  // namespace

void Subscribers::subscribe_box(WsClientProtocol* s, std::uint64_t box) {
  add_subscriber(by_box_, box, s, count_);
}
void Subscribers::unsubscribe_box(WsClientProtocol* s, std::uint64_t box) {
  remove_subscriber(by_box_, box, s, count_);
}
void Subscribers::subscribe_boxes(WsClientProtocol* s, std::span<const std::uint64_t> boxes) {
  if (boxes.empty()) return;
  for (std::uint64_t box : boxes)
    by_box_[box].push_back(s);
  count_.fetch_add(boxes.size(), std::memory_order_relaxed);
  // As in add_subscriber, once for the batch: the caller reads the boxes'
  // state (its snapshot) only after this.
  std::atomic_thread_fence(std::memory_order_seq_cst);
}

void Subscribers::unsubscribe_boxes(WsClientProtocol* s, std::span<const std::uint64_t> boxes) {
  std::uint64_t removed = 0;
  for (std::uint64_t box : boxes) {
    auto it = by_box_.find(box);
    if (it == by_box_.end()) continue;
    auto& list = it->second;
    auto pos = std::find(list.begin(), list.end(), s);
    if (pos == list.end()) continue;
    *pos = list.back();
    list.pop_back();
    ++removed;
    if (list.empty()) by_box_.erase(it);
  }
  count_.fetch_sub(removed, std::memory_order_relaxed);
}

void Subscribers::subscribe_hunt(WsClientProtocol* s, const std::string& hunt) {
  add_subscriber(by_hunt_, hunt, s, count_);
}
void Subscribers::unsubscribe_hunt(WsClientProtocol* s, const std::string& hunt) {
  remove_subscriber(by_hunt_, hunt, s, count_);
}

void Subscribers::collect(std::uint64_t box, std::string_view hunt,
                          std::vector<WsClientProtocol*>& out) {
  out.clear();
  auto by_box = by_box_.find(box);
  if (by_box != by_box_.end()) out.assign(by_box->second.begin(), by_box->second.end());
  if (hunt.empty()) return;
  hunt_key_.assign(hunt);
  auto by_hunt = by_hunt_.find(hunt_key_);
  if (by_hunt == by_hunt_.end()) return;
  for (WsClientProtocol* s : by_hunt->second) {
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  }
}

}  // namespace trove::net
