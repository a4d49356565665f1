#include "http_poll_session.hpp"

#include "http_response.hpp"
#include "worker.hpp"

namespace trove::loadgen {

HttpPollSession::HttpPollSession(Worker& worker, RoleStats& stats, std::uint64_t box,
                                 SendSchedule schedule)
    : Session(worker, stats), schedule_(schedule) {
  request_ = "GET /v1/boxes/" + std::to_string(box) + " HTTP/1.1\r\nHost: " + worker.config().host +
             "\r\n\r\n";
}

void HttpPollSession::on_connected() {
  send_due();
}

void HttpPollSession::on_timer() {
  send_due();
}

// Sends the next request if it is due (open loop) or at once (closed loop);
// otherwise arms the timer for its intended time.
void HttpPollSession::send_due() {
  if (outstanding_ || !is_open() || !worker_.sending_allowed()) return;
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
  send(request_);
}

void HttpPollSession::on_data() {
  while (rpos_ < rbuf_.size()) {
    const std::string_view data(rbuf_.data() + rpos_, rbuf_.size() - rpos_);
    const HttpResponse r = parse_http_response(data);
    if (r.state == HttpResponse::State::kNeedMore) return;
    if (r.state == HttpResponse::State::kError) {
      fail(std::string("http_") + to_string(r.error));
      return;
    }
    if (!outstanding_) {
      fail("http_unsolicited_response");
      return;
    }
    rpos_ += r.total_bytes;
    outstanding_ = false;
    const std::int64_t now = worker_.now();
    if (worker_.timeline().in_window(intended_)) {
      ++stats_.completed;
      stats_.latency.record(static_cast<std::uint64_t>(now - intended_));
      ++stats_.status[static_cast<std::size_t>(r.status) % stats_.status.size()];
      if (r.status >= 400) stats_.count_error("http_status_" + std::to_string(r.status));
    }
    if (r.connection_close) {
      fail("server_closed_keepalive");
      return;
    }
  }
  send_due();
}

}  // namespace trove::loadgen
