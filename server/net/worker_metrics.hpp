// Per-worker counters and latency histograms. Each is written by exactly one
// worker thread with a relaxed load+store (no locked instruction on the hot
// path) and read by the scraper with relaxed loads; the admin thread sums
// the workers at scrape time (docs/contracts.md, Metrics).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace trove::net {

// A counter with one writer thread.
class LocalCounter {
 public:
  void Add(std::uint64_t n = 1) noexcept {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t Get() const noexcept {
    return value_.load(std::memory_order_relaxed);
  }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// Buckets for request latencies: the targets are tens of microseconds, the
// tail of interest goes to milliseconds.
inline constexpr std::array<double, 14> kLatencyBoundsSeconds = {
    5e-6,   10e-6, 25e-6,  50e-6, 75e-6, 100e-6, 250e-6,
    500e-6, 1e-3,  2.5e-3, 10e-3, 50e-3, 0.25,   1.0};
// Epoch resets are sub-microsecond by design, purges ~100 µs per chunk.
inline constexpr std::array<double, 12> kEpochBoundsSeconds = {
    250e-9, 500e-9, 1e-6, 2.5e-6, 5e-6, 10e-6, 25e-6, 100e-6, 250e-6, 1e-3, 5e-3, 25e-3};

template <std::size_t N>
class LocalHistogram {
 public:
  explicit LocalHistogram(const std::array<double, N>& bounds) noexcept : bounds_(bounds) {}
  void Observe(std::uint64_t nanos) noexcept {
    const double seconds = static_cast<double>(nanos) * 1e-9;
    std::size_t i = 0;
    while (i < N && seconds > bounds_[i])
      ++i;
    buckets_[i].Add();
    sum_nanos_.Add(nanos);
  }
  // Non-cumulative bucket counts, the last one being +Inf.
  [[nodiscard]] std::uint64_t Bucket(std::size_t i) const noexcept { return buckets_[i].Get(); }
  [[nodiscard]] std::uint64_t SumNanos() const noexcept { return sum_nanos_.Get(); }
  [[nodiscard]] const std::array<double, N>& bounds() const noexcept { return bounds_; }

 private:
  const std::array<double, N>& bounds_;
  std::array<LocalCounter, N + 1> buckets_;
  LocalCounter sum_nanos_;
};

// What the latency histograms observe: nanoseconds since `start`.
inline std::uint64_t NanosSince(std::chrono::steady_clock::time_point start) noexcept {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
          .count());
}

using LatencyHistogram = LocalHistogram<kLatencyBoundsSeconds.size()>;
using EpochHistogram = LocalHistogram<kEpochBoundsSeconds.size()>;

enum class Protocol : std::size_t { kHttp = 0, kWs = 1 };
inline constexpr std::size_t kProtocols = 2;

// Status codes the data plane answers, for trove_poll_requests_total{code}.
inline constexpr std::array<int, 10> kStatusCodes = {200, 202, 304, 400, 404,
                                                     405, 413, 431, 503, 0};
constexpr std::size_t StatusIndex(int code) noexcept {
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
  kCount
};
inline constexpr std::array<const char*, 6> kLimitNames = {
    "header_size", "body_size", "frame_size", "idle_timeout", "handshake_timeout", "send_queue"};

// While draining the listeners are closed, so the kernel refuses instead.
enum class RejectReason : std::size_t { kMaxConnections, kCount };
inline constexpr std::array<const char*, 1> kRejectReasonNames = {"max_connections"};

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

  void CountLimit(Limit l) noexcept { limits[static_cast<std::size_t>(l)].Add(); }
  void CountPoll(Protocol p, int code) noexcept {
    poll_requests[static_cast<std::size_t>(p)][StatusIndex(code)].Add();
  }
};

}  // namespace trove::net
