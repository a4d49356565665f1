// trove-operator: watches TreasureHunts and sidecar pods, and keeps every
// selected sidecar's arena size and epoch length where its hunt wants them.
//
// Threads: one reflector per informer (hunts, sidecar pods; per watched
// namespace), reconcile workers fed by one rate-limited work queue, the
// leader elector, the Event pump, the metrics/probe listener, and the main
// thread, which waits for a signal and exports informer counters.
#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "controller/hunt_reconciler.hpp"
#include "controller/operator_metrics.hpp"
#include "controller/pod_view.hpp"
#include "event_pump.hpp"
#include "kube/config.hpp"
#include "kube/informer.hpp"
#include "kube/leader_election.hpp"
#include "kube/resource.hpp"
#include "kube/workqueue.hpp"
#include "operator_options.hpp"
#include "trove/common/admin_http_server.hpp"
#include "trove/common/prometheus_text.hpp"
#include "trove/common/route_table.hpp"
#include "trove/common/signals.hpp"

namespace {

using namespace trove;
using Clock = std::chrono::steady_clock;

constexpr const char* kQueueName = "treasurehunt";

// Ends the main wait: a signal, a lost lease, or a fatal worker error.
class Shutdown {
 public:
  void request(int exit_code) {
    std::lock_guard lock(mutex_);
    if (!requested_) exit_code_ = exit_code;
    requested_ = true;
    cv_.notify_all();
  }
  // Waits up to `tick`; true once shutdown was requested.
  bool wait(std::chrono::milliseconds tick) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, tick, [&] { return requested_; });
  }
  int exit_code() const {
    std::lock_guard lock(mutex_);
    return exit_code_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool requested_ = false;
  int exit_code_ = 0;
};

// Exports an informer's monotonic counters as Prometheus counters.
struct CounterExport {
  const kube::Informer* informer;
  std::string resource;
  std::uint64_t restarts = 0;
  std::uint64_t relists = 0;
};

void enqueue_all(kube::WorkQueue& queue, const std::vector<kube::ObjectPtr>& hunts) {
  for (const auto& h : hunts)
    queue.add(h->key());
}

}  // namespace

int main(int argc, char** argv) {
  common::BlockShutdownSignals();
  bool exit_now = false;
  int exit_code = 0;
  const op::OperatorOptions opts = op::parse_operator_options(argc, argv, exit_now, exit_code);
  if (exit_now) return exit_code;

  kube::ClientConfig config;
  try {
    config = kube::load_default_config(opts.kubeconfig);
  } catch (const std::exception& e) {
    spdlog::error("kubeconfig: {}", e.what());
    return 2;
  }
  // Separate clients, so informers, reconciles, the lease and Events each
  // have their own client-side rate limit and none starves the others.
  kube::Client watch_client(config);
  kube::Client work_client(config);
  kube::Client lease_client(config);
  kube::Client event_client(config);

  // The resource label of the informers' counters (below), known now so
  // their series exist from the first scrape.
  const std::string hunts_resource = kube::treasure_hunts_type().plural;
  const std::string pods_resource = kube::pods_type().plural;
  controller::OperatorMetrics metrics({.controller = "treasurehunt",
                                       .queue = kQueueName,
                                       .resources = {hunts_resource, pods_resource}});
  Shutdown shutdown;
  common::ShutdownSignalWatcher signals([&](int signo) {
    spdlog::info("signal {}: shutting down", signo);
    shutdown.request(0);
  });

  std::vector<std::string> namespaces = opts.namespaces;
  if (namespaces.empty()) namespaces.push_back("");  // all namespaces
  std::vector<std::unique_ptr<kube::Informer>> hunt_informers;
  std::vector<std::unique_ptr<kube::Informer>> pod_informers;
  controller::StoreSet hunt_stores;
  controller::StoreSet pod_stores;
  for (const auto& ns : namespaces) {
    kube::InformerConfig hc;
    hc.type = kube::treasure_hunts_type();
    hc.namespace_ = ns;
    hunt_informers.push_back(std::make_unique<kube::Informer>(watch_client, hc));
    hunt_stores.add(&hunt_informers.back()->store());
    kube::InformerConfig pc;
    pc.type = kube::pods_type();
    pc.namespace_ = ns;
    pc.label_selector = controller::kSidecarLabelSelector;  // keeps the cache small
    pod_informers.push_back(std::make_unique<kube::Informer>(watch_client, pc));
    pod_stores.add(&pod_informers.back()->store());
  }

  kube::WorkQueueMetrics qm;
  qm.depth = [&](std::size_t d) { metrics.queue_depth(kQueueName, static_cast<double>(d)); };
  qm.add = [&] { metrics.queue_added(kQueueName); };
  qm.retry = [&] { metrics.queue_retried(kQueueName); };
  qm.queue_duration_seconds = [&](double s) { metrics.queue_waited(kQueueName, s); };
  qm.work_duration_seconds = [&](double s) { metrics.queue_worked(kQueueName, s); };
  kube::WorkQueue queue({}, qm);

  kube::EventRecorderConfig ec;
  ec.reporting_instance = opts.identity;
  op::EventPump events(event_client, ec);

  controller::ReconcilerOptions ro;
  ro.admin.concurrency = opts.push_concurrency;
  ro.admin.timeout = opts.push_timeout;
  ro.autotune_interval = opts.autotune_interval;
  ro.error_retry = opts.error_retry;
  controller::HuntReconciler reconciler(
      work_client, hunt_stores, pod_stores,
      [&](const kube::KubeObject& hunt, const std::string& type, const std::string& reason,
          const std::string& note) { events.post(hunt, type, reason, note); },
      &metrics, ro);

  // Hunt events: a new, deleted or re-specified hunt can change which hunt
  // owns a pod, so every hunt of its namespace is reconciled. Status-only
  // updates (our own writes) keep the generation and are ignored.
  auto requeue_namespace = [&](const kube::ObjectPtr& h) {
    queue.add(h->key());
    for (const auto& k : reconciler.hunts_in_namespace(std::string(h->namespace_()))) {
      queue.add(k);
    }
  };
  kube::EventHandlers hunt_handlers;
  hunt_handlers.on_add = requeue_namespace;
  hunt_handlers.on_update = [&](const kube::ObjectPtr& old_obj, const kube::ObjectPtr& obj) {
    if (old_obj->generation() != obj->generation()) requeue_namespace(obj);
  };
  hunt_handlers.on_delete = requeue_namespace;
  // Pod events map to the hunts that select the pod before or after.
  auto requeue_for_pod = [&](const controller::PodView& pod) {
    for (const auto& k : reconciler.hunts_selecting(pod))
      queue.add(k);
  };
  kube::EventHandlers pod_handlers;
  pod_handlers.on_add = [&](const kube::ObjectPtr& p) {
    requeue_for_pod(controller::read_pod(p->json()));
  };
  pod_handlers.on_update = [&](const kube::ObjectPtr& old_obj, const kube::ObjectPtr& obj) {
    const auto before = controller::read_pod(old_obj->json());
    const auto after = controller::read_pod(obj->json());
    if (before.signature() == after.signature()) return;  // nothing a reconcile reads
    requeue_for_pod(before);
    requeue_for_pod(after);
  };
  pod_handlers.on_delete = [&](const kube::ObjectPtr& p) {
    requeue_for_pod(controller::read_pod(p->json()));
  };
  std::vector<CounterExport> exports;
  for (auto& i : hunt_informers) {
    i->add_handlers(hunt_handlers);
    exports.push_back({i.get(), hunts_resource});
  }
  for (auto& i : pod_informers) {
    i->add_handlers(pod_handlers);
    exports.push_back({i.get(), pods_resource});
  }
  auto synced = [&] {
    for (const auto& i : hunt_informers) {
      if (!i->has_synced()) return false;
    }
    for (const auto& i : pod_informers) {
      if (!i->has_synced()) return false;
    }
    return true;
  };

  common::RouteTable routes;
  routes.Add(
      {"GET", "/metrics", false, false, "Prometheus metrics", [&](const common::HttpRequest&) {
         common::HttpResponse r =
             common::HttpResponse::Text(200, common::SerializePrometheusText(metrics.registry()));
         r.content_type = common::kPrometheusContentType;
         return r;
       }});
  routes.Add({"GET", "/healthz", false, false, "liveness: 200 while the process runs",
              [](const common::HttpRequest&) { return common::HttpResponse::Text(200, "ok"); }});
  routes.Add({"GET", "/readyz", false, false, "readiness: 200 once the informer caches synced",
              [&](const common::HttpRequest&) {
                return synced() ? common::HttpResponse::Text(200, "ok")
                                : common::HttpResponse::Text(503, "caches not synced");
              }});
  common::AdminHttpServerOptions so;
  if (!common::ParseHostPort(opts.metrics_bind, so.bind_address, so.port)) {
    spdlog::error("--metrics-bind: not host:port: {}", opts.metrics_bind);
    return 2;
  }
  common::AdminHttpServer probe_server(so, routes);
  try {
    probe_server.Start();
  } catch (const std::exception& e) {
    spdlog::error("metrics listener {}: {}", opts.metrics_bind, e.what());
    return 2;
  }
  spdlog::info("trove-operator {} serving /metrics on {}:{}", opts.identity, so.bind_address,
               probe_server.port());

  for (auto& i : hunt_informers)
    i->start();
  for (auto& i : pod_informers)
    i->start();

  // Workers run only while leading (or always without leader election).
  std::vector<std::thread> workers;
  std::mutex workers_mutex;
  bool workers_started = false;
  auto worker_loop = [&](std::size_t index) {
    while (!synced() && !queue.shutting_down()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    // The informers queued every hunt as they listed; a new leader queues
    // them again so nothing a previous leader left half-done is missed.
    if (index == 0) enqueue_all(queue, hunt_stores.list());
    while (auto key = queue.get()) {
      const auto t0 = Clock::now();
      controller::ReconcileResult r;
      try {
        r = reconciler.reconcile(*key);
      } catch (const std::exception& e) {
        r = {controller::ReconcileResult::Kind::kError, {}, e.what()};
      }
      metrics.reconciled(r.label(), std::chrono::duration<double>(Clock::now() - t0).count());
      using Kind = controller::ReconcileResult::Kind;
      switch (r.kind) {
        case Kind::kSuccess:
          queue.forget(*key);
          break;
        case Kind::kRequeueAfter:
          queue.forget(*key);
          queue.add_after(*key, r.after);
          break;
        case Kind::kRequeue:  // a 409 on status: the next try reads fresh state
        case Kind::kError:
          spdlog::warn("reconcile {}: {} ({})", *key, r.error, r.label());
          queue.add_rate_limited(*key);
          break;
      }
      queue.done(*key);
    }
  };
  auto start_workers = [&] {
    std::lock_guard lock(workers_mutex);
    if (workers_started) return;
    workers_started = true;
    for (std::size_t w = 0; w < opts.workers; ++w)
      workers.emplace_back(worker_loop, w);
  };

  std::unique_ptr<kube::LeaderElector> elector;
  if (opts.leader_elect) {
    kube::LeaderElectionConfig lc;
    lc.lease_namespace = opts.lease_namespace;
    lc.lease_name = opts.lease_name;
    lc.identity = opts.identity;
    lc.lease_duration = opts.lease_duration;
    lc.renew_deadline = opts.renew_deadline;
    lc.retry_period = opts.retry_period;
    lc.on_started_leading = [&] {
      spdlog::info("{}: leading", opts.identity);
      metrics.set_leader(true);
      start_workers();
    };
    lc.on_stopped_leading = [&] {
      // As controller-runtime: a replica that lost the lease exits and
      // restarts clean rather than risk acting next to the new leader.
      spdlog::error("{}: lost the lease; exiting", opts.identity);
      metrics.set_leader(false);
      shutdown.request(1);
    };
    lc.on_new_leader = [&](const std::string& id) { spdlog::info("leader is {}", id); };
    try {
      elector = std::make_unique<kube::LeaderElector>(lease_client, lc);
    } catch (const std::exception& e) {
      spdlog::error("leader election: {}", e.what());
      return 2;
    }
    elector->start();
  } else {
    metrics.set_leader(true);
    start_workers();
  }

  while (!shutdown.wait(std::chrono::milliseconds(500))) {
    for (auto& e : exports) {
      for (std::uint64_t n = e.informer->watch_restarts(); e.restarts < n; ++e.restarts) {
        metrics.watch_restarted(e.resource);
      }
      for (std::uint64_t n = e.informer->relists(); e.relists < n; ++e.relists) {
        metrics.relisted(e.resource);
      }
    }
  }

  // Graceful: stop handing out work, let running reconciles finish, give
  // the lease back so a successor starts at once, then stop watching.
  queue.shutdown();
  {
    std::lock_guard lock(workers_mutex);
    workers_started = true;  // no late start from the elector
  }
  for (auto& t : workers)
    t.join();
  if (elector) elector->stop();
  events.stop();
  for (auto& i : hunt_informers)
    i->stop();
  for (auto& i : pod_informers)
    i->stop();
  probe_server.Stop();
  spdlog::info("trove-operator stopped");
  return shutdown.exit_code();
}
