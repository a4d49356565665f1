// Entry points into the session classes, so worker.cpp does not compile
// Beast's HTTP and WebSocket templates (they live in http_session.cpp and
// ws_session.cpp only).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <string_view>

namespace trove::net {

class Worker;
class WsSession;

// Takes over an accepted data-plane connection (HTTP; upgrades to WebSocket).
void StartHttpSession(boost::asio::ip::tcp::socket socket, Worker& worker);

// Queues a push to a subscriber (copied into the session's own buffer); a
// session over its send-queue bound is closed with 1008. Worker thread.
void QueueWsPush(WsSession& session, std::string_view message);

}  // namespace trove::net
