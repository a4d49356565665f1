#include "net/ws_ingest_protocol.hpp"

#include <vector>

#include "net/poll_protocol.hpp"
#include "net/worker.hpp"
#include "net/ws_connection.hpp"

namespace trove::net {

namespace {
// The ingest latency histograms are indexed by Protocol: [1] is WebSocket.
constexpr auto kWs = static_cast<std::size_t>(Protocol::kWs);
}  // namespace

std::uint64_t WsIngestProtocol::max_message_bytes(const config::ServerConfig& config) noexcept {
  return config.max_ws_message_bytes;
}

WsIngestProtocol::WsIngestProtocol(Connection& connection, Worker& worker)
    : connection_(connection), worker_(worker) {
  worker_.add_ingest_session();
}

WsIngestProtocol::~WsIngestProtocol() {
  worker_.remove_ingest_session();
}

bool WsIngestProtocol::on_message(std::string_view text, TimePoint started) {
  if (worker_.context().over_memory_budget()) {
    // Refused before any of it is stored: nothing acknowledged is lost.
    worker_.metrics().count_limit(Limit::kMemoryBudget);
    connection_.enqueue(
        R"({"error":"over the memory budget (--max-memory-mib): retry later","code":503,)"
        R"("retryAfterS":1})");
    return true;
  }
  started_ = started;
  slicer_.start(text);
  continue_ingest();
  return false;
}

void WsIngestProtocol::continue_ingest() {
  if (!worker_.ingest_some(slicer_))
    return connection_.post_step<&WsIngestProtocol::continue_ingest>();
  const std::uint64_t seq = ++seq_;
  if (ack_mode_ == AckMode::kMemory) {
    send_ack(seq, slicer_.result(), false, {}, started_);
  } else {
    // The next frame overwrites the slicer's result: the ack keeps a copy.
    const ingest::BatchResult result = slicer_.result();
    std::vector<ingest::Rejection> rejections(result.rejections.begin(), result.rejections.end());
    worker_.when_durable(slicer_.ticket(), [self = connection_.shared_from_this(), seq, result,
                                            rejections = std::move(rejections),
                                            started = started_](bool ok, std::string_view reason) {
      ingest::BatchResult copy = result;
      copy.rejections = rejections;
      self->protocol().send_ack(seq, copy, ok, reason, started);
    });
  }
  connection_.finish_message();
}

void WsIngestProtocol::send_ack(std::uint64_t seq, const ingest::BatchResult& result,
                                bool durable_ok, std::string_view reason, TimePoint started) {
  ack_.clear();
  const AckMode mode = durable_ok ? AckMode::kDurable : AckMode::kMemory;
  append_ingest_ack(ack_, seq, worker_.context().store.incarnation(), mode, result, reason);
  // The frame was in flight: it is acknowledged even if a drain began
  // meanwhile (the connection's close waits for it).
  connection_.enqueue(ack_, /*in_flight=*/true);
  worker_.metrics().ingest_latency[kWs].observe(nanos_since(started));
}

}  // namespace trove::net
