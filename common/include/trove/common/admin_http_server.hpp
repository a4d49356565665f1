// A small HTTP/1.1 server for admin-style endpoints (probes, metrics, admin
// API) on its own thread and io_context. It serves a RouteTable; Beast stays
// inside admin_http_server.cpp (pimpl), so including this header is cheap.
//
// Probes cannot be starved: a connection over max_connections, or over
// max_connections_per_peer for its peer, does not wait and is not refused
// while a connection that is only waiting for a request exists; the oldest
// such connection (of that peer, for the per-peer cap) is closed to make
// room. A kubelet probe sends its request at once and is answered, while idle
// or trickling sockets are what gets closed (and each is closed anyway once
// request_deadline passes without a whole request). Counted through
// on_limit_exceeded as kConnections / kPeerConnections / kRequestDeadline.
//
// Usage:
//   trove::common::RouteTable routes(token);
//   routes.Add({"GET", "/healthz", false, false, "liveness", handler});
//   trove::common::AdminHttpServer server({.bind_address = "127.0.0.1", .port = 0}, routes);
//   server.Start();               // binds (throws std::system_error on failure)
//   uint16_t port = server.port(); // the bound port (useful with port 0)
//   ...
//   server.Stop();                // also done by the destructor
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "trove/common/http_limit.hpp"
#include "trove/common/route_table.hpp"

namespace trove::common {

struct AdminHttpServerOptions {
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 0;  // 0 = ephemeral; read it back with port()
  // Admin traffic is a handful of scrapes and probes: small limits suffice
  // and keep a misbehaving client from holding memory.
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_connections = 64;
  // One peer (address) holds at most this many connections.
  std::size_t max_connections_per_peer = 16;
  // A request (header and body) must arrive whole within this time of the
  // connection opening or the previous answer (slowloris, idle sockets).
  std::chrono::milliseconds request_deadline{5'000};
  // Writing an answer may take this long.
  std::chrono::milliseconds idle_timeout{30'000};
  // Called on the server thread for each request refused by a read limit,
  // so the owner can count it in its metrics.
  std::function<void(HttpLimit)> on_limit_exceeded;
};

class AdminHttpServer {
 public:
  // `routes` must outlive the server; handlers run on the server's thread.
  AdminHttpServer(AdminHttpServerOptions options, const RouteTable& routes);
  ~AdminHttpServer();
  AdminHttpServer(const AdminHttpServer&) = delete;
  AdminHttpServer& operator=(const AdminHttpServer&) = delete;

  // Binds, listens and starts the thread. Throws std::system_error.
  void start();
  // Closes the listener and every connection, joins the thread. Idempotent.
  void stop();
  [[nodiscard]] std::uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Splits "host:port" (IPv4, name, or "[v6]:port"). Returns false on a
// malformed value or a port outside 0..65535.
bool parse_host_port(std::string_view text, std::string& host, std::uint16_t& port);

}  // namespace trove::common
