// Everything one load-generator run does, as parsed from the command line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ingest_batch.hpp"

namespace trove::loadgen {

struct LoadConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  // trove-server takes writes on its own ingest listener; 0 = the same port
  // as reads (the reference servers serve both on one port).
  std::uint16_t ingest_port = 0;
  std::uint16_t ingest_target() const { return ingest_port != 0 ? ingest_port : port; }
  std::vector<int> cpus;  // one worker thread per entry, pinned; empty = 1 unpinned
  double duration_s = 10;
  double warmup_s = 2;  // connects and runs the load, not recorded
  bool spin = false;
  int timeout_ms = 2000;
  int reconnect_ms = 100;

  unsigned http_conns = 0;
  double http_period_ms = 250;  // 0 = closed loop
  BoxRange poll_boxes{1, 2000};

  unsigned ws_get_conns = 0;
  double ws_get_period_ms = 250;  // 0 = closed loop

  unsigned ws_subscribers = 0;
  unsigned boxes_per_subscriber = 1;
  BoxRange subscribe_boxes{1, 200};

  unsigned ingest_conns = 0;
  std::string ingest_protocol = "ws";  // ws | http
  unsigned batch = 64;
  double ingest_rate = 0;      // messages/s over all ingest connections; 0 = as fast as acks allow
  unsigned ingest_window = 8;  // frames in flight per WebSocket producer
  BoxRange ingest_boxes{1, 2000};

  unsigned thread_count() const { return cpus.empty() ? 1u : static_cast<unsigned>(cpus.size()); }
};

// The run's fixed instants (CLOCK_MONOTONIC ns), shared by every worker.
struct Timeline {
  std::int64_t start = 0;    // load begins (connects, warm-up traffic)
  std::int64_t measure = 0;  // recording begins
  std::int64_t end = 0;      // recording and sending end; then a drain
  bool in_window(std::int64_t t) const { return t >= measure && t < end; }
};

}  // namespace trove::loadgen
