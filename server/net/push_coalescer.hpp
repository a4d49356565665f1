// A worker's push fan-out: boxes stored (on any worker) since the last push
// tick are merged into one dirty set, and each tick pushes every dirty box
// once, with its newest payload, to this worker's subscribers of it
// (coalescing: a box is pushed at most once per push_interval_ms).
//
// Changes arrive in position order (change_feed.hpp) and a tick pushes its
// boxes in the order of their latest position, each push of a hunt's box
// carrying that position as "hpos": a client holding a push's hpos has been
// sent every earlier change of its subscriptions, the point hunt recovery
// resumes from.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "net/change_feed.hpp"
#include "net/subscribers.hpp"
#include "net/worker_metrics.hpp"
#include "store/box_store.hpp"

namespace trove::net {

class PushCoalescer {
 public:
  PushCoalescer(boost::asio::io_context& ioc, const store::BoxStore& store,
                Subscribers& subscribers, std::chrono::milliseconds interval, LocalCounter& pushes);
  // Marks the changes' boxes dirty and makes sure a tick is coming. The
  // worker's thread; `changes` in position order.
  void merge(const std::vector<Change>& changes);

 private:
  void on_tick();
  // Queues the change's push to its box's subscribers (none: nothing is built).
  void push(const Change& change);

  boost::asio::io_context& ioc_;
  const store::BoxStore& store_;
  Subscribers& subscribers_;
  std::chrono::milliseconds interval_;
  LocalCounter& pushes_;
  std::unordered_map<std::uint64_t, std::uint64_t> dirty_;  // box → latest position
  std::vector<Change> ordered_;                             // a tick's dirty boxes by position
  boost::asio::steady_timer timer_;
  bool armed_ = false;
  std::chrono::steady_clock::time_point last_tick_{};  // the last tick's start
  std::string message_;  // built once per box per tick, copied per subscriber
  std::vector<WsClientProtocol*> targets_;
};

}  // namespace trove::net
