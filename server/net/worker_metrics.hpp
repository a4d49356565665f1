// Per-worker counters and latency histograms. Each is written by exactly one
// worker thread (memory/local_metrics.hpp) and read by the scraper; the
// admin thread sums the workers at scrape time (docs/contracts.md, Metrics).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "memory/local_metrics.hpp"
#include "trove/common/http_limit.hpp"

namespace trove::net {

using memory::EpochHistogram;
using memory::kEpochBoundsSeconds;
using memory::LocalCounter;
using memory::LocalHistogram;

// Buckets for request latencies: the targets are tens of microseconds, the
// tail of interest goes to milliseconds.
inline constexpr std::array<double, 14> kLatencyBoundsSeconds = {
    5e-6,   10e-6, 25e-6,  50e-6, 75e-6, 100e-6, 250e-6,
    500e-6, 1e-3,  2.5e-3, 10e-3, 50e-3, 0.25,   1.0};
using LatencyHistogram = LocalHistogram<kLatencyBoundsSeconds.size()>;
// What the latency histograms observe: nanoseconds since `start`.
inline std::uint64_t nanos_since(std::chrono::steady_clock::time_point start) noexcept {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
          .count());
}

enum class Protocol : std::size_t { kHttp = 0, kWs = 1 };
inline constexpr std::size_t kProtocols = 2;

// Status codes the data plane answers, for trove_poll_requests_total{code}.
inline constexpr std::array<int, 13> kStatusCodes = {200, 202, 204, 304, 400, 401, 403,
                                                     404, 405, 413, 431, 503, 0};
constexpr std::size_t status_index(int code) noexcept {
  for (std::size_t i = 0; i + 1 < kStatusCodes.size(); ++i) {
    if (kStatusCodes[i] == code) return i;
  }
  return kStatusCodes.size() - 1;  // "other"
}

enum class Limit : std::size_t {
  kHeaderSize,
  kBodySize,
  kFrameSize,
  kIdleTimeout,
  kHandshakeTimeout,
  kSendQueue,
  kChunkHeaderSize,
  kChunkExtensions,
  kAdminConnections,
  kAdminPeerConnections,
  kAdminRequestDeadline,
  kDurableWaiters,  // batches waiting for their log commit (--ack durable)
  kPingTimeout,     // a WebSocket peer sent nothing between two pings
  kMessageTimeout,  // a WebSocket message not finished within ws_message_timeout_ms
  kConnsPerIp,      // a public connection refused: its peer holds max_conns_per_ip
  kMemoryBudget,    // a connection or ingest batch refused over max_memory_mib
  kChangeInbox,     // a worker's change inbox coalesced past its bound (change_inbox.hpp)
  kCount
};
inline constexpr std::array<const char*, 17> kLimitNames = {"header_size",
                                                            "body_size",
                                                            "frame_size",
                                                            "idle_timeout",
                                                            "handshake_timeout",
                                                            "send_queue",
                                                            "chunk_header_size",
                                                            "chunk_extensions",
                                                            "admin_connections",
                                                            "admin_peer_connections",
                                                            "admin_request_deadline",
                                                            "durable_waiters",
                                                            "ping_timeout",
                                                            "message_timeout",
                                                            "conns_per_ip",
                                                            "memory_budget",
                                                            "change_inbox"};

// The worker's counter for a limit Beast's parser reports (http_read_limits.hpp).
constexpr Limit limit_of(common::HttpLimit limit) noexcept {
  switch (limit) {
    case common::HttpLimit::kHeaderSize:
      return Limit::kHeaderSize;
    case common::HttpLimit::kBodySize:
      return Limit::kBodySize;
    case common::HttpLimit::kChunkHeaderSize:
      return Limit::kChunkHeaderSize;
    case common::HttpLimit::kConnections:
      return Limit::kAdminConnections;
    case common::HttpLimit::kPeerConnections:
      return Limit::kAdminPeerConnections;
    case common::HttpLimit::kRequestDeadline:
      return Limit::kAdminRequestDeadline;
    case common::HttpLimit::kChunkExtensions:
    case common::HttpLimit::kNone:
      break;
  }
  return Limit::kChunkExtensions;
}

// While draining the listeners are closed, so the kernel refuses instead.
// kFdLimit: an accept failed for want of file descriptors (then paused).
enum class RejectReason : std::size_t { kMaxConnections, kFdLimit, kCount };
inline constexpr std::array<const char*, 2> kRejectReasonNames = {"max_connections", "fd_limit"};

struct WorkerMetrics {
  std::array<std::array<LocalCounter, kStatusCodes.size()>, kProtocols> poll_requests;
  std::array<LatencyHistogram, kProtocols> poll_latency{LatencyHistogram(kLatencyBoundsSeconds),
                                                        LatencyHistogram(kLatencyBoundsSeconds)};
  std::array<LatencyHistogram, kProtocols> ingest_latency{LatencyHistogram(kLatencyBoundsSeconds),
                                                          LatencyHistogram(kLatencyBoundsSeconds)};
  std::array<LocalCounter, kProtocols> connections_opened;
  std::array<LocalCounter, kProtocols> connections_closed;
  std::array<LocalCounter, static_cast<std::size_t>(RejectReason::kCount)> connections_rejected;
  std::array<LocalCounter, static_cast<std::size_t>(Limit::kCount)> limits;
  LocalCounter ws_pushes;
  LocalCounter epoch_resets;
  EpochHistogram reset_duration{kEpochBoundsSeconds};

  void count_limit(Limit l) noexcept { limits[static_cast<std::size_t>(l)].add(); }
  void count_poll(Protocol p, int code) noexcept {
    poll_requests[static_cast<std::size_t>(p)][status_index(code)].add();
  }
};

}  // namespace trove::net
