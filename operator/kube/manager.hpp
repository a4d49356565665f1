// A manager (controller-runtime's Manager): owns the informer caches, the
// controllers, leader election and the metrics/health/readiness listener,
// and runs them in order until a shutdown request. main builds one, adds
// informers and controllers, and calls run().
//
// Threads: one reflector per informer, each controller's workers, the
// leader elector, the listener, and the caller of run(), which waits for a
// shutdown request and exports the informers' counters meanwhile.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kube/controller.hpp"
#include "kube/informer.hpp"
#include "kube/leader_election.hpp"
#include "kube/shutdown_request.hpp"

namespace trove::kube {

struct ManagerOptions {
  std::string program;       // the binary's name, in log lines
  std::string identity;      // this replica's name, in log lines
  std::string metrics_bind;  // host:port (the --metrics-bind flag)
  // The GET /metrics body, Prometheus text format.
  std::function<std::string()> metrics_text;
  // Set to campaign for a Lease: controllers then run only while leading,
  // and a lost lease ends run() with exit code 1. Its callbacks are the
  // Manager's own.
  std::optional<LeaderElectionConfig> leader_election;
  // Metrics hooks: leadership gained or lost; an informer of `resource`
  // re-opened its watch or relisted.
  std::function<void(bool leading)> on_leading;
  std::function<void(const std::string& resource)> on_watch_restart;
  std::function<void(const std::string& resource)> on_relist;
};

class Manager {
 public:
  // `watch_client` serves every informer, `lease_client` the elector: their
  // own client-side rate limits, so neither starves the other.
  Manager(Client& watch_client, Client& lease_client, ManagerOptions options);
  ~Manager();
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // Before run(). `resource` labels the informer's counters.
  Informer& add_informer(InformerConfig config, std::string resource);
  Controller& add_controller(ControllerConfig config);
  // Runs at shutdown after the lease is released and before the informers
  // stop (e.g. flushing Events).
  void add_shutdown_step(std::function<void()> step);

  // Readiness: every informer has listed once.
  bool caches_synced() const;
  // Ends run(); the first request's code is run()'s answer. Any thread.
  void request_shutdown(int exit_code) { shutdown_.request(exit_code); }

  // Serves the probes, starts the informers, then the controllers (at once,
  // or when leading); waits for request_shutdown and stops everything in
  // order. Returns the exit code (2 when the listener or elector cannot
  // start), only after every thread it started has stopped: what the
  // reconcile functions and event mappings use may go away after it.
  int run();

 private:
  // An informer's monotonic counters, exported as Prometheus counters.
  struct CounterExport {
    const Informer* informer;
    std::string resource;
    std::uint64_t restarts = 0;
    std::uint64_t relists = 0;
  };
  struct Listener;

  bool start_listener();
  bool start_controllers_or_campaign();
  LeaderElectionConfig election_config();
  void start_controllers();
  void export_counters();
  void stop_all();

  Client& watch_client_;
  Client& lease_client_;
  const ManagerOptions options_;
  ShutdownRequest shutdown_;
  std::vector<std::unique_ptr<Informer>> informers_;
  std::vector<CounterExport> exports_;
  std::vector<std::unique_ptr<Controller>> controllers_;
  std::vector<std::function<void()>> shutdown_steps_;
  std::unique_ptr<LeaderElector> elector_;
  std::unique_ptr<Listener> listener_;
};

}  // namespace trove::kube
