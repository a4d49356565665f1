// Hand-off from the HTTP session to a WebSocket connection (ws_connection.cpp).
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "net/sessions.hpp"

namespace trove::net {

class Worker;

enum class WsMode {
  kClient,         // /v1/ws: get, subscribe, unsubscribe; pushes
  kIngest,         // /v1/ingest: NDJSON per text frame, one ack per frame
  kIngestDurable,  // the same, acked once logged (?ack=durable or --ack durable)
};

using UpgradeRequest = boost::beast::http::request<boost::beast::http::string_body>;

void start_ws_session(Socket socket, Worker& worker, const UpgradeRequest& upgrade, WsMode mode);

}  // namespace trove::net
