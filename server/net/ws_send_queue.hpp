// A WebSocket connection's outgoing messages, oldest first, each copied into
// a buffer the connection owns (the caller's message may change right
// after). Buffers of written messages are kept for reuse, so a steady
// request/response or push loop allocates nothing per message. The bound on
// its length is the connection's to enforce (ws_connection.hpp).
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace trove::net {

class WsSendQueue {
 public:
  // Spare message buffers kept for reuse; beyond this they are freed.
  static constexpr std::size_t kSpareBuffers = 16;

  void push(std::string_view message) {
    std::string buffer;
    if (!spare_.empty()) {
      buffer = std::move(spare_.back());
      spare_.pop_back();
    }
    buffer.assign(message);
    queue_.push_back(std::move(buffer));
  }
  [[nodiscard]] const std::string& front() const noexcept { return queue_.front(); }
  // The i-th oldest message (a gather write takes several at once).
  [[nodiscard]] const std::string& at(std::size_t i) const { return queue_[i]; }
  // The front message was written: its buffer goes back to the spares.
  void pop() {
    if (spare_.size() < kSpareBuffers) spare_.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  // Drops what is left unwritten (the connection is closing).
  void clear() noexcept { queue_.clear(); }
  [[nodiscard]] std::size_t size() const noexcept { return queue_.size(); }
  [[nodiscard]] bool empty() const noexcept { return queue_.empty(); }

 private:
  std::deque<std::string> queue_;
  std::vector<std::string> spare_;
};

}  // namespace trove::net
