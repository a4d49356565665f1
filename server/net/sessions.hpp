// Entry points into the session classes, so worker.cpp does not compile
// Beast's HTTP and WebSocket templates (they live in http_session.cpp and
// ws_connection.cpp only).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <string_view>

#include "net/peer_connections.hpp"

namespace trove::net {

// Data-plane sockets and the acceptor name the worker's io_context executor
// type instead of the type-erased any_io_executor (tcp::socket's default):
// every async operation copies, moves and destroys its executor, and the
// erased one costs an indirect call each time (~2 % of a WebSocket get's
// server CPU in a profile).
using Executor = boost::asio::io_context::executor_type;
using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, Executor>;
using Acceptor = boost::asio::basic_socket_acceptor<boost::asio::ip::tcp, Executor>;

class Worker;
class WsClientProtocol;

// Which listener accepted a connection: the public one serves reads only
// (polls, WebSocket /v1/ws); the ingest one also takes writes.
enum class Listener { kPublic, kIngest };

// Takes over an accepted data-plane connection (HTTP; upgrades to WebSocket).
// `peer`: its place in the per-peer count (--max-conns-per-ip), held until
// the connection closes, whichever session it ends in.
void start_http_session(Socket socket, Worker& worker, Listener listener, PeerSlot peer = {});

// Queues a push to a subscriber (copied into its connection's own buffer);
// a connection over its send-queue bound is closed with 1008. Worker thread.
void queue_ws_push(WsClientProtocol& subscriber, std::string_view message, std::string_view hunt);

}  // namespace trove::net
