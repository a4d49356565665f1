// A worker's WebSocket subscribers, by box and by hunt. The worker's thread
// only, except count(), which other workers read to skip posting stored
// boxes to a worker with no subscribers.
#pragma once

#include <atomic>
#include <boost/container/small_vector.hpp>
#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace trove::net {

class WsClientProtocol;

class Subscribers {
 public:
  void subscribe_box(WsClientProtocol* s, std::uint64_t box);
  void unsubscribe_box(WsClientProtocol* s, std::uint64_t box);
  // Many boxes at once, `s` subscribed to none of them yet (to each of them):
  // one count update and one fence for the lot, not one per box.
  void subscribe_boxes(WsClientProtocol* s, std::span<const std::uint64_t> boxes);
  void unsubscribe_boxes(WsClientProtocol* s, std::span<const std::uint64_t> boxes);
  void subscribe_hunt(WsClientProtocol* s, const std::string& hunt);
  void unsubscribe_hunt(WsClientProtocol* s, const std::string& hunt);
  // Replaces `out` with the subscribers of `box` or of its `hunt` (empty:
  // none), each once.
  void collect(std::uint64_t box, std::string_view hunt, std::vector<WsClientProtocol*>& out);
  // Any thread.
  [[nodiscard]] std::uint64_t count() const noexcept {
    return count_.load(std::memory_order_relaxed);
  }

 private:
  // Open addressing, and a box's first subscriber stored inline (most boxes
  // have one per worker): subscribing to a box allocates nothing.
  using BoxSubscribers = boost::container::small_vector<WsClientProtocol*, 1>;
  boost::unordered_flat_map<std::uint64_t, BoxSubscribers> by_box_;
  std::unordered_map<std::string, std::vector<WsClientProtocol*>> by_hunt_;
  std::atomic<std::uint64_t> count_{0};
  std::string hunt_key_;  // reused by collect: no allocation per push
};

}  // namespace trove::net
