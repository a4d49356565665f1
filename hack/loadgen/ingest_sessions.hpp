// Producers: NDJSON batches of B reference messages, over a WebSocket on
// /v1/ingest (up to `window` frames in flight) or HTTP POST /v1/ingest (one in
// flight), at a target rate (open loop) or as fast as acks allow. Only acked
// messages count: an ack means stored.
#pragma once

#include <deque>

#include "ingest_batch.hpp"
#include "schedule.hpp"
#include "ws_session.hpp"

namespace trove::loadgen {

// What both producers share: the send schedule, the in-flight FIFO and the
// ack accounting.
class IngestPacer {
 public:
  IngestPacer(SendSchedule schedule, unsigned window, unsigned batch, IngestBatchBuilder builder)
      : schedule_(schedule), window_(window), batch_(batch), builder_(builder) {}

  // The intended time of the next frame if one may be sent now; 0 if not,
  // with `*wake` set to when to try again (0 = on the next ack).
  std::int64_t next_send(std::int64_t now, std::int64_t end, std::int64_t* wake);
  // Builds the next batch body into `out`.
  void build(std::string& out) { builder_.build(out, batch_, realtime_micros()); }
  void sent(std::int64_t intended, std::int64_t now) { in_flight_.push_back({intended, now}); }
  bool empty() const { return in_flight_.empty(); }
  std::int64_t oldest_sent() const { return in_flight_.empty() ? 0 : in_flight_.front().sent; }
  // Pops the oldest frame; returns its intended time.
  std::int64_t acked();
  void clear() { in_flight_.clear(); }
  bool open_loop() const { return schedule_.open_loop(); }

 private:
  struct InFlight {
    std::int64_t intended;
    std::int64_t sent;
  };
  SendSchedule schedule_;
  unsigned window_;
  unsigned batch_;
  IngestBatchBuilder builder_;
  std::deque<InFlight> in_flight_;
};

class WsIngestSession final : public WsSession {
 public:
  WsIngestSession(Worker& worker, RoleStats& stats, IngestPacer pacer);
  bool drained() const override { return pacer_.empty(); }

 private:
  void on_open() override { send_due(); }
  void on_message(std::string_view text) override;
  void on_timer() override { send_due(); }
  std::int64_t oldest_outstanding_sent() const override { return pacer_.oldest_sent(); }
  void on_disconnected() override { pacer_.clear(); }
  std::uint16_t target_port() const override;
  void send_due();

  IngestPacer pacer_;
  std::string body_;
};

class HttpIngestSession final : public Session {
 public:
  HttpIngestSession(Worker& worker, RoleStats& stats, IngestPacer pacer);
  bool drained() const override { return pacer_.empty(); }

 private:
  void on_connected() override { send_due(); }
  void on_data() override;
  void on_timer() override { send_due(); }
  std::int64_t oldest_outstanding_sent() const override { return pacer_.oldest_sent(); }
  void on_disconnected() override { pacer_.clear(); }
  std::uint16_t target_port() const override;
  void send_due();

  IngestPacer pacer_;
  std::string body_;
  std::string request_;
};

// Shared by both producers: records an ack (or counts why it is not one).
void record_ingest_ack(Worker& worker, RoleStats& stats, IngestPacer& pacer, std::string_view text,
                       bool* ok);

}  // namespace trove::loadgen
