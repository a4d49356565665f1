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
  worker_.AddIngestSession();
}

WsIngestProtocol::~WsIngestProtocol() {
  worker_.RemoveIngestSession();
}

bool WsIngestProtocol::on_message(std::string_view text, TimePoint started) {
  started_ = started;
  slicer_.Start(text);
  ContinueIngest();
  return false;
}

void WsIngestProtocol::ContinueIngest() {
  if (!worker_.IngestSome(slicer_))
    return connection_.post_step<&WsIngestProtocol::ContinueIngest>();
  ack_.clear();
  AppendIngestAck(ack_, ++seq_, slicer_.result());
  // The frame was in flight: it is acknowledged even if a drain began
  // meanwhile (the connection's close waits for it).
  connection_.Enqueue(ack_, /*in_flight=*/true);
  worker_.metrics().ingest_latency[kWs].Observe(NanosSince(started_));
  connection_.FinishMessage();
}

}  // namespace trove::net
