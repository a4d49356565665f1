#include "ws_client_sessions.hpp"

#include "ingest_batch.hpp"
#include "server_messages.hpp"
#include "worker.hpp"

namespace trove::loadgen {

WsGetSession::WsGetSession(Worker& worker, RoleStats& stats, std::uint64_t box,
                           SendSchedule schedule)
    : WsSession(worker, stats, "/v1/ws"), schedule_(schedule) {
  request_ = "{\"op\":\"get\",\"box\":" + std::to_string(box) + "}";
}

void WsGetSession::send_due() {
  if (outstanding_ || !ws_open() || !worker_.sending_allowed()) return;
  const std::int64_t now = worker_.now();
  if (schedule_.open_loop()) {
    const std::int64_t due = schedule_.next_due();
    if (due > now) {
      if (due < worker_.timeline().end) set_timer(due);
      return;
    }
    intended_ = schedule_.take();
  } else {
    intended_ = now;
  }
  sent_at_ = now;
  outstanding_ = true;
  if (worker_.timeline().in_window(intended_)) ++stats_.sent;
  send_text(request_);
}

void WsGetSession::on_message(std::string_view text) {
  if (!outstanding_) {
    fail("ws_unsolicited_message");
    return;
  }
  outstanding_ = false;
  if (worker_.timeline().in_window(intended_)) {
    ++stats_.completed;
    stats_.latency.record(static_cast<std::uint64_t>(worker_.now() - intended_));
    // Only a message that mentions "error" pays for a full parse.
    if (text.find("\"error\"") != std::string_view::npos && is_error_message(text))
      stats_.count_error("ws_error_reply");
  }
  send_due();
}

WsSubscribeSession::WsSubscribeSession(Worker& worker, RoleStats& stats,
                                       std::vector<std::uint64_t> boxes)
    : WsSession(worker, stats, "/v1/ws") {
  subscribe_ = "{\"op\":\"subscribe\",\"boxes\":[";
  for (std::size_t i = 0; i < boxes.size(); ++i) {
    if (i) subscribe_ += ',';
    subscribe_ += std::to_string(boxes[i]);
  }
  subscribe_ += "]}";
}

void WsSubscribeSession::on_open() {
  send_text(subscribe_);
}

void WsSubscribeSession::on_message(std::string_view text) {
  const std::int64_t now = worker_.now();
  if (!worker_.timeline().in_window(now)) return;
  const auto ts = find_timestamp(text);
  if (!ts) {
    // Subscription confirmations carry no ts; errors are counted as such.
    if (is_error_message(text)) stats_.count_error("ws_error_reply");
    ++stats_.messages_untimed;
    return;
  }
  if (*ts < subscribed_at_us_) {
    // The server greets a new subscriber with each box's current state:
    // a snapshot, not a push caused by an ingest we timed.
    ++stats_.messages_untimed;
    return;
  }
  ++stats_.completed;
  const std::int64_t latency_us = realtime_micros() - *ts;
  if (latency_us < 0) {
    stats_.count_error("push_ts_in_future");
    return;
  }
  stats_.latency.record(static_cast<std::uint64_t>(latency_us) * 1000);
}

}  // namespace trove::loadgen
