#include "kube/manager.hpp"

#include <spdlog/spdlog.h>

#include "trove/common/admin_http_server.hpp"
#include "trove/common/prometheus_text.hpp"
#include "trove/common/route_table.hpp"

namespace trove::kube {

namespace {

// How often run() exports the informers' counters while it waits: well
// inside a scrape interval.
constexpr std::chrono::milliseconds kExportTick{500};

common::RouteTable probe_routes(const std::function<std::string()>& metrics_text,
                                const std::function<bool()>& synced) {
  common::RouteTable routes;
  routes.add({"GET", "/metrics", false, false, "Prometheus metrics",
              [metrics_text](const common::HttpRequest&) {
                common::HttpResponse r = common::HttpResponse::text(200, metrics_text());
                r.content_type = common::kPrometheusContentType;
                return r;
              }});
  routes.add({"GET", "/healthz", false, false, "liveness: 200 while the process runs",
              [](const common::HttpRequest&) { return common::HttpResponse::text(200, "ok"); }});
  routes.add({"GET", "/readyz", false, false, "readiness: 200 once the informer caches synced",
              [synced](const common::HttpRequest&) {
                return synced() ? common::HttpResponse::text(200, "ok")
                                : common::HttpResponse::text(503, "caches not synced");
              }});
  return routes;
}

}  // namespace

// The routes outlive the server that serves them.
struct Manager::Listener {
  common::RouteTable routes;
  std::unique_ptr<common::AdminHttpServer> server;
};

Manager::Manager(Client& watch_client, Client& lease_client, ManagerOptions options)
    : watch_client_(watch_client), lease_client_(lease_client), options_(std::move(options)) {}

Manager::~Manager() {
  stop_all();
}

Informer& Manager::add_informer(InformerConfig config, std::string resource) {
  informers_.push_back(std::make_unique<Informer>(watch_client_, std::move(config)));
  exports_.push_back({informers_.back().get(), std::move(resource)});
  return *informers_.back();
}

Controller& Manager::add_controller(ControllerConfig config) {
  controllers_.push_back(std::make_unique<Controller>(std::move(config)));
  return *controllers_.back();
}

void Manager::add_shutdown_step(std::function<void()> step) {
  shutdown_steps_.push_back(std::move(step));
}

bool Manager::caches_synced() const {
  for (const auto& i : informers_) {
    if (!i->has_synced()) return false;
  }
  return true;
}

int Manager::run() {
  if (!start_listener()) return 2;
  for (auto& i : informers_)
    i->start();
  if (!start_controllers_or_campaign()) {
    stop_all();
    return 2;
  }
  while (!shutdown_.wait(kExportTick))
    export_counters();
  stop_all();
  spdlog::info("{} stopped", options_.program);
  return shutdown_.exit_code();
}

bool Manager::start_listener() {
  common::AdminHttpServerOptions so;
  if (!common::parse_host_port(options_.metrics_bind, so.bind_address, so.port)) {
    spdlog::error("--metrics-bind: not host:port: {}", options_.metrics_bind);
    return false;
  }
  listener_ = std::make_unique<Listener>();
  listener_->routes = probe_routes(options_.metrics_text, [this] { return caches_synced(); });
  listener_->server = std::make_unique<common::AdminHttpServer>(so, listener_->routes);
  try {
    listener_->server->start();
  } catch (const std::exception& e) {
    spdlog::error("metrics listener {}: {}", options_.metrics_bind, e.what());
    return false;
  }
  spdlog::info("{} {} serving /metrics on {}:{}", options_.program, options_.identity,
               so.bind_address, listener_->server->port());
  return true;
}

bool Manager::start_controllers_or_campaign() {
  if (!options_.leader_election) {
    if (options_.on_leading) options_.on_leading(true);
    start_controllers();
    return true;
  }
  try {
    elector_ = std::make_unique<LeaderElector>(lease_client_, election_config());
  } catch (const std::exception& e) {
    spdlog::error("leader election: {}", e.what());
    return false;
  }
  elector_->start();
  return true;
}

LeaderElectionConfig Manager::election_config() {
  LeaderElectionConfig lc = *options_.leader_election;
  lc.on_started_leading = [this] {
    spdlog::info("{}: leading", options_.identity);
    if (options_.on_leading) options_.on_leading(true);
    start_controllers();
  };
  lc.on_stopped_leading = [this] {
    // As controller-runtime: a replica that lost the lease exits and
    // restarts clean rather than risk acting next to the new leader.
    spdlog::error("{}: lost the lease; exiting", options_.identity);
    if (options_.on_leading) options_.on_leading(false);
    shutdown_.request(1);
  };
  lc.on_new_leader = [](const std::string& id) { spdlog::info("leader is {}", id); };
  return lc;
}

void Manager::start_controllers() {
  for (const auto& c : controllers_)
    c->start([this] { return caches_synced(); });
}

void Manager::export_counters() {
  for (auto& e : exports_) {
    for (std::uint64_t n = e.informer->watch_restarts(); e.restarts < n; ++e.restarts) {
      if (options_.on_watch_restart) options_.on_watch_restart(e.resource);
    }
    for (std::uint64_t n = e.informer->relists(); e.relists < n; ++e.relists) {
      if (options_.on_relist) options_.on_relist(e.resource);
    }
  }
}

// Graceful: stop handing out work, let running reconciles finish, give the
// lease back so a successor starts at once, run the shutdown steps, then
// stop watching and serving. Idempotent.
void Manager::stop_all() {
  for (auto& c : controllers_)
    c->stop();
  if (elector_) elector_->stop();
  for (auto& step : shutdown_steps_)
    step();
  shutdown_steps_.clear();
  for (auto& i : informers_)
    i->stop();
  if (listener_) listener_->server->stop();
}

}  // namespace trove::kube
