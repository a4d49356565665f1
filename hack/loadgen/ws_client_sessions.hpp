// The two WebSocket client kinds on /v1/ws: `get` request/response (open or
// closed loop, same accounting as the HTTP poller) and subscribers that
// measure push latency from the producer's `ts` (µs since the epoch).
#pragma once

#include <vector>

#include "schedule.hpp"
#include "ws_session.hpp"

namespace trove::loadgen {

class WsGetSession final : public WsSession {
 public:
  WsGetSession(Worker& worker, RoleStats& stats, std::uint64_t box, SendSchedule schedule);
  bool drained() const override { return !outstanding_; }

 private:
  void on_open() override { send_due(); }
  void on_message(std::string_view text) override;
  void on_timer() override { send_due(); }
  std::int64_t oldest_outstanding_sent() const override { return outstanding_ ? sent_at_ : 0; }
  void on_disconnected() override { outstanding_ = false; }
  void send_due();

  std::string request_;
  SendSchedule schedule_;
  bool outstanding_ = false;
  std::int64_t intended_ = 0;
  std::int64_t sent_at_ = 0;
};

class WsSubscribeSession final : public WsSession {
 public:
  WsSubscribeSession(Worker& worker, RoleStats& stats, std::vector<std::uint64_t> boxes);
  bool drained() const override { return true; }

 private:
  void on_open() override;
  void on_message(std::string_view text) override;
  void on_timer() override {}
  std::int64_t oldest_outstanding_sent() const override { return 0; }
  void on_disconnected() override {}

  std::string subscribe_;
  std::int64_t subscribed_at_us_ = 0;  // realtime µs when the subscribe was sent
};

}  // namespace trove::loadgen
