// trove-server's /metrics: a prometheus-cpp Registry whose series are brought
// up to date from the workers' own counters at each scrape (the hot path only
// bumps per-worker, single-writer counters; docs/contracts.md lists the names).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "memory/purger.hpp"
#include "net/server_context.hpp"
#include "net/worker.hpp"

namespace trove::admin {

class MetricsExporter {
 public:
  MetricsExporter(net::ServerContext& context, const std::vector<net::Worker*>& workers);
  ~MetricsExporter();
  MetricsExporter(const MetricsExporter&) = delete;
  MetricsExporter& operator=(const MetricsExporter&) = delete;

  // Updates every series and returns the text exposition (format 0.0.4).
  std::string scrape();

 private:
  struct Families;
  net::ServerContext& context_;
  std::vector<net::Worker*> workers_;
  std::mutex mutex_;
  std::unique_ptr<Families> families_;
};

}  // namespace trove::admin
