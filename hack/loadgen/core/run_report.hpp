// Per-role results of one load-generator run and their two renderings: one
// JSON object per run (machine-read by hack/bench) and a human summary.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "histogram.hpp"

namespace trove::loadgen {

// What one kind of client (poll, ws_get, push, ingest) saw in the window.
struct RoleStats {
  std::string role;
  bool open_loop = true;
  Histogram latency;                        // nanoseconds; from intended send (open loop) or send
  std::uint64_t sent = 0;                   // requests or frames sent in the window
  std::uint64_t completed = 0;              // responses, acks or pushes received in the window
  std::uint64_t messages_accepted = 0;      // ingest: acked as stored
  std::uint64_t messages_rejected = 0;      // ingest: rejected by the server
  std::uint64_t messages_untimed = 0;       // push: data messages with no `ts`
  std::array<std::uint64_t, 600> status{};  // HTTP status codes seen
  std::map<std::string, std::uint64_t> errors;

  void count_error(const std::string& kind, std::uint64_t n = 1) { errors[kind] += n; }
  void merge(const RoleStats& other);
  std::uint64_t error_total() const;
};

// The server's cost. `busy_seconds` is the whole core (the measure:
// softirq included, but so is any other process on that core);
// `process_seconds`, when the server's pids are given, is its own user+system
// time, which a noisy neighbour does not inflate.
struct ServerCpu {
  int cpu = -1;
  double busy_seconds = 0;
  double window_seconds = 0;
  std::optional<double> process_seconds;
};

// The load generator's own CPU time over the window (all its threads): shows
// whether the client, rather than the server, was the bottleneck.
struct ClientCpu {
  double busy_seconds = 0;
  double window_seconds = 0;
};

struct RunReport {
  std::string label;
  double duration_s = 0;
  double warmup_s = 0;
  unsigned threads = 0;
  bool spin = false;
  std::vector<RoleStats> roles;
  std::optional<ServerCpu> server_cpu;
  std::optional<ClientCpu> client_cpu;
};

std::string to_json(const RunReport& report);
std::string to_summary(const RunReport& report);

}  // namespace trove::loadgen
