#include "ingest_sessions.hpp"

#include "http_response.hpp"
#include "server_messages.hpp"
#include "worker.hpp"

namespace trove::loadgen {

std::int64_t IngestPacer::next_send(std::int64_t now, std::int64_t end, std::int64_t* wake) {
  *wake = 0;
  if (in_flight_.size() >= window_) return 0;  // wait for an ack
  if (!schedule_.open_loop()) return now;
  const std::int64_t due = schedule_.next_due();
  if (due > now) {
    if (due < end) *wake = due;
    return 0;
  }
  return schedule_.take();
}

std::int64_t IngestPacer::acked() {
  const std::int64_t intended = in_flight_.front().intended;
  in_flight_.pop_front();
  return intended;
}

void record_ingest_ack(Worker& worker, RoleStats& stats, IngestPacer& pacer, std::string_view text,
                       bool* ok) {
  *ok = false;
  if (pacer.empty()) {
    stats.count_error("ingest_unsolicited_ack");
    return;
  }
  const auto ack = parse_ingest_ack(text);
  const std::int64_t intended = pacer.acked();
  if (!ack) {
    stats.count_error("ingest_bad_ack");
    return;
  }
  *ok = true;
  // Throughput counts acks received in the window. A producer that cannot
  // keep its target rate falls behind its schedule; counting by intended time
  // would then report nothing at all, while the acks (and their growing
  // latency from the intended send time) are the truth worth reporting.
  if (!worker.timeline().in_window(worker.now())) return;
  ++stats.completed;
  stats.messages_accepted += ack->accepted;
  stats.messages_rejected += ack->rejected;
  stats.latency.record(static_cast<std::uint64_t>(worker.now() - intended));
}

WsIngestSession::WsIngestSession(Worker& worker, RoleStats& stats, IngestPacer pacer)
    : WsSession(worker, stats, "/v1/ingest"), pacer_(std::move(pacer)) {}

std::uint16_t WsIngestSession::target_port() const {
  return worker_.config().ingest_target();
}

std::uint16_t HttpIngestSession::target_port() const {
  return worker_.config().ingest_target();
}

void WsIngestSession::send_due() {
  while (ws_open() && worker_.sending_allowed()) {
    std::int64_t wake = 0;
    const std::int64_t intended = pacer_.next_send(worker_.now(), worker_.timeline().end, &wake);
    if (intended == 0) {
      if (wake) set_timer(wake);
      return;
    }
    pacer_.build(body_);
    pacer_.sent(intended, worker_.now());
    if (worker_.timeline().in_window(worker_.now())) ++stats_.sent;
    send_text(body_);
    worker_.refresh_now();  // building a batch takes microseconds
  }
}

void WsIngestSession::on_message(std::string_view text) {
  bool ok = false;
  record_ingest_ack(worker_, stats_, pacer_, text, &ok);
  send_due();
}

HttpIngestSession::HttpIngestSession(Worker& worker, RoleStats& stats, IngestPacer pacer)
    : Session(worker, stats), pacer_(std::move(pacer)) {}

void HttpIngestSession::send_due() {
  if (!is_open() || !worker_.sending_allowed()) return;
  std::int64_t wake = 0;
  const std::int64_t intended = pacer_.next_send(worker_.now(), worker_.timeline().end, &wake);
  if (intended == 0) {
    if (wake) set_timer(wake);
    return;
  }
  pacer_.build(body_);
  request_ =
      "POST /v1/ingest HTTP/1.1\r\nHost: " + worker_.config().host +
      "\r\nContent-Type: application/x-ndjson\r\nContent-Length: " + std::to_string(body_.size()) +
      "\r\n\r\n";
  request_ += body_;
  pacer_.sent(intended, worker_.now());
  if (worker_.timeline().in_window(worker_.now())) ++stats_.sent;
  send(request_);
}

void HttpIngestSession::on_data() {
  while (rpos_ < rbuf_.size()) {
    const std::string_view data(rbuf_.data() + rpos_, rbuf_.size() - rpos_);
    const HttpResponse r = parse_http_response(data);
    if (r.state == HttpResponse::State::kNeedMore) return;
    if (r.state == HttpResponse::State::kError) {
      fail(std::string("http_") + to_string(r.error));
      return;
    }
    rpos_ += r.total_bytes;
    ++stats_.status[static_cast<std::size_t>(r.status) % stats_.status.size()];
    bool ok = false;
    record_ingest_ack(worker_, stats_, pacer_, r.body, &ok);
    if (r.status >= 400) stats_.count_error("http_status_" + std::to_string(r.status));
    if (r.connection_close) {
      fail("server_closed_keepalive");
      return;
    }
  }
  send_due();
}

}  // namespace trove::loadgen
