// The admin API of trove-server (docs/contracts.md, Admin API) as one route
// table served by trove_common's AdminHttpServer: probes, metrics, tuning,
// stats, drain. /help is generated from the same table.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "admin/metrics_exporter.hpp"
#include "net/server_context.hpp"
#include "net/worker.hpp"
#include "trove/common/route_table.hpp"

namespace trove::admin {

class AdminService {
 public:
  // `request_drain` starts a drain (idempotent) and returns once the data
  // listeners are closed, so a 202 means new connections are refused.
  AdminService(net::ServerContext& context, std::vector<net::Worker*> workers,
               std::function<std::string()> token_source, std::function<void()> request_drain);

  [[nodiscard]] const common::RouteTable& routes() const { return routes_; }
  // Readiness: set once every listener is open.
  void set_listening() { listening_.store(true); }

  std::string stats_json();

 private:
  common::HttpResponse put_tuning(const common::HttpRequest& request);
  // Why `proposed` does not fit the memory budget, or nullopt.
  [[nodiscard]] std::optional<std::string> over_memory_budget(const common::Tuning& proposed) const;
  double ingest_rate(std::uint64_t total);

  net::ServerContext& context_;
  std::vector<net::Worker*> workers_;
  std::function<void()> request_drain_;
  MetricsExporter metrics_;
  common::RouteTable routes_;
  std::atomic<bool> listening_{false};

  std::mutex rate_mutex_;
  std::chrono::steady_clock::time_point rate_time_{};
  std::uint64_t rate_total_ = 0;
  double rate_ = 0;
};

}  // namespace trove::admin
