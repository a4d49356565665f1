// Hand-off from the HTTP session to a WebSocket connection (ws_connection.cpp).
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <optional>

#include "auth/token_claims.hpp"
#include "net/sessions.hpp"

namespace trove::net {

class Worker;

enum class WsMode {
  kClient,         // /v1/ws: get, subscribe, unsubscribe; pushes
  kIngest,         // /v1/ingest: NDJSON per text frame, one ack per frame
  kIngestDurable,  // the same, acked once logged (?ack=durable or --ack durable)
};

using UpgradeRequest = boost::beast::http::request<boost::beast::http::string_body>;

// `claims`: the client token of the upgrade's Authorization header, when it
// had one (/v1/ws); otherwise the connection authenticates with its first
// message when client auth is on.
// `peer`: the connection's place in the per-peer count, held until it closes.
void start_ws_session(Socket socket, Worker& worker, const UpgradeRequest& upgrade, WsMode mode,
                      std::optional<auth::TokenClaims> claims, PeerSlot peer);

}  // namespace trove::net
