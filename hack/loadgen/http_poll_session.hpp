// HTTP/1.1 keep-alive poller: GET /v1/boxes/{id}, one request in flight,
// open loop (one request every period) or closed loop (next on response).
#pragma once

#include "schedule.hpp"
#include "session.hpp"

namespace trove::loadgen {

class HttpPollSession final : public Session {
 public:
  HttpPollSession(Worker& worker, RoleStats& stats, std::uint64_t box, SendSchedule schedule);
  bool drained() const override { return !outstanding_; }

 private:
  void on_connected() override;
  void on_data() override;
  void on_timer() override;
  std::int64_t oldest_outstanding_sent() const override { return outstanding_ ? sent_at_ : 0; }
  void on_disconnected() override { outstanding_ = false; }
  void send_due();

  std::string request_;
  SendSchedule schedule_;
  bool outstanding_ = false;
  std::int64_t intended_ = 0;
  std::int64_t sent_at_ = 0;
};

}  // namespace trove::loadgen
