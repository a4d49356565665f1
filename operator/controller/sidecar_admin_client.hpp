// HTTP calls to sidecars' admin ports (GET /admin/v1/stats, PUT
// /admin/v1/tuning), many at once with a concurrency limit and a deadline per
// call. One batch runs on the caller's thread over a private io_context, so
// a reconcile never shares sockets or handlers with another. Beast stays in
// the .cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace trove::controller {

struct AdminCall {
  std::string host;  // an IP address (a pod's status.podIP)
  std::uint16_t port = 0;
  std::string method;  // "GET" or "PUT"
  std::string target;  // e.g. "/admin/v1/stats"
  std::string body;    // JSON, for PUT
  std::string token;   // bearer token; empty sends none
};

struct AdminResult {
  int status = 0;     // HTTP status; 0 when no answer came (see error)
  std::string body;   // at most kMaxAdminBodyBytes
  std::string error;  // transport failure: what and where
};

struct AdminClientOptions {
  // Pushes in flight at once: enough to tune 100 pods in a few round trips,
  // few enough that a reconcile cannot open thousands of sockets.
  std::size_t concurrency = 16;
  // Whole call (connect + write + read). A sidecar answers in microseconds;
  // one that takes seconds is as good as down for this reconcile.
  std::chrono::milliseconds timeout{2000};
};

// A sidecar's answer larger than this is refused (the stats are ~1 KiB).
inline constexpr std::size_t kMaxAdminBodyBytes = 64 * 1024;

// Runs every call; results are in the order of `calls`.
std::vector<AdminResult> run_admin_calls(const std::vector<AdminCall>& calls,
                                         const AdminClientOptions& options);

}  // namespace trove::controller
