// The ingest protocol of /v1/ingest: each text frame is one NDJSON batch,
// run through the worker's pipeline and answered with one ack, in order.
// Alone on the worker, a frame is ingested in one go; with other connections
// there, in slices with a turn for them in between (sliced_ingest.hpp); the
// frame stays in the connection's read buffer, unread past, until its last
// slice.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "net/poll_protocol.hpp"
#include "net/sliced_ingest.hpp"

namespace trove::config {
struct ServerConfig;
}

namespace trove::net {

template <class Protocol>
class WsConnection;
class Worker;

class WsIngestProtocol {
 public:
  using Connection = WsConnection<WsIngestProtocol>;
  using TimePoint = std::chrono::steady_clock::time_point;

  // Counts the connection as an ingest session of `worker` while it lives.
  WsIngestProtocol(Connection& connection, Worker& worker);
  ~WsIngestProtocol();
  WsIngestProtocol(const WsIngestProtocol&) = delete;
  WsIngestProtocol& operator=(const WsIngestProtocol&) = delete;

  // Before start: durable acks wait for the batch's log commit (the
  // connection reads on meanwhile; acks leave in frame order).
  void set_ack(AckMode ack) noexcept { ack_mode_ = ack; }

  // ---- the connection's hooks ----
  // Starts ingesting a frame read at `started`. Returns false: the frame is
  // finished (acked, FinishMessage) once its last slice is ingested.
  bool on_message(std::string_view text, TimePoint started);
  void on_write_done() noexcept {}
  // The handshake is done: nothing to set up.
  void on_open() noexcept {}
  // A frame half-way through its slices.
  [[nodiscard]] bool message_in_progress() const noexcept { return slicer_.active(); }
  // The largest batch a frame may carry (--max-ws-message-bytes).
  static std::uint64_t max_message_bytes(const config::ServerConfig& config) noexcept;

 private:
  void continue_ingest();
  void send_ack(std::uint64_t seq, const ingest::BatchResult& result, bool durable_ok,
                std::string_view reason, TimePoint started);

  Connection& connection_;
  Worker& worker_;
  SlicedIngest slicer_;
  std::string ack_;
  TimePoint started_{};
  std::uint64_t seq_ = 0;
  AckMode ack_mode_ = AckMode::kMemory;
};

}  // namespace trove::net
