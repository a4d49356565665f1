#include "net/ws_ingest_protocol.hpp"

#include "net/poll_protocol.hpp"
#include "net/worker.hpp"
#include "net/ws_connection.hpp"

namespace trove::net {

namespace {
// The ingest latency histograms are indexed by Protocol: [1] is WebSocket.
constexpr auto kWs = static_cast<std::size_t>(Protocol::kWs);
}  // namespace

WsIngestProtocol::WsIngestProtocol(Connection& connection, Worker& worker)
    : connection_(connection), worker_(worker) {
  worker_.add_ingest_session();
}

WsIngestProtocol::~WsIngestProtocol() {
  worker_.remove_ingest_session();
}

bool WsIngestProtocol::on_message(std::string_view text, TimePoint started) {
  started_ = started;
  slicer_.start(text);
  continue_ingest();
  return false;
}

void WsIngestProtocol::continue_ingest() {
  if (!worker_.ingest_some(slicer_))
    return connection_.post_step<&WsIngestProtocol::continue_ingest>();
  ack_.clear();
  append_ingest_ack(ack_, ++seq_, worker_.context().store.incarnation(), slicer_.result());
  // The frame was in flight: it is acknowledged even if a drain began
  // meanwhile (the connection's close waits for it).
  connection_.enqueue(ack_, /*in_flight=*/true);
  worker_.metrics().ingest_latency[kWs].observe(nanos_since(started_));
  connection_.finish_message();
}

}  // namespace trove::net
