// A worker's push fan-out: boxes stored (on any worker) since the last push
// tick are merged into one dirty set, and each tick pushes every dirty box
// once, with its newest payload, to this worker's subscribers of it
// (coalescing: a box is pushed at most once per push_interval_ms).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "net/subscribers.hpp"
#include "net/worker_metrics.hpp"
#include "store/box_store.hpp"

namespace trove::net {

class PushCoalescer {
 public:
  PushCoalescer(boost::asio::io_context& ioc, const store::BoxStore& store,
                Subscribers& subscribers, std::chrono::milliseconds interval, LocalCounter& pushes);
  // Marks `ids` dirty and makes sure a tick is coming. The worker's thread.
  void merge(const std::vector<std::uint64_t>& ids);

 private:
  void on_tick();
  // Queues `box`'s push to its subscribers (none: nothing is built).
  void push(std::uint64_t box);

  boost::asio::io_context& ioc_;
  const store::BoxStore& store_;
  Subscribers& subscribers_;
  std::chrono::milliseconds interval_;
  LocalCounter& pushes_;
  std::unordered_set<std::uint64_t> dirty_;
  boost::asio::steady_timer timer_;
  bool armed_ = false;
  std::chrono::steady_clock::time_point last_tick_{};  // the last tick's start
  std::string message_;  // built once per box per tick, copied per subscriber
  std::vector<WsClientProtocol*> targets_;
};

}  // namespace trove::net
