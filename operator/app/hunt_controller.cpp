#include "hunt_controller.hpp"

#include "controller/hunt_events.hpp"
#include "controller/pod_view.hpp"
#include "kube/resource.hpp"
#include "trove/common/prometheus_text.hpp"

namespace trove::op {

namespace {

kube::WorkQueueMetrics queue_metrics(controller::OperatorMetrics& metrics) {
  kube::WorkQueueMetrics qm;
  qm.depth = [&metrics](std::size_t d) {
    metrics.queue_depth(kHuntQueueName, static_cast<double>(d));
  };
  qm.add = [&metrics] { metrics.queue_added(kHuntQueueName); };
  qm.retry = [&metrics] { metrics.queue_retried(kHuntQueueName); };
  qm.queue_duration_seconds = [&metrics](double s) { metrics.queue_waited(kHuntQueueName, s); };
  qm.work_duration_seconds = [&metrics](double s) { metrics.queue_worked(kHuntQueueName, s); };
  return qm;
}

controller::ReconcilerOptions reconciler_options(const OperatorOptions& options) {
  controller::ReconcilerOptions ro;
  ro.admin.concurrency = options.push_concurrency;
  ro.admin.timeout = options.push_timeout;
  ro.autotune_interval = options.autotune_interval;
  ro.error_retry = options.error_retry;
  ro.manage_token_secrets = options.manage_admin_tokens;
  return ro;
}

kube::InformerConfig informer_config(kube::ResourceType type, const std::string& ns) {
  kube::InformerConfig c;
  c.type = std::move(type);
  c.namespace_ = ns;
  return c;
}

}  // namespace

HuntController::HuntController(kube::Manager& manager, kube::Client& work_client,
                               controller::OperatorMetrics& metrics, controller::EventSink events,
                               const OperatorOptions& options) {
  add_informers(manager, options);
  reconciler_ = std::make_unique<controller::HuntReconciler>(work_client, hunt_stores_, pod_stores_,
                                                             std::move(events), &metrics,
                                                             reconciler_options(options));
  kube::ControllerConfig cc;
  cc.name = kHuntQueueName;
  cc.workers = options.workers;
  cc.reconcile = [this](const std::string& key) { return reconciler_->reconcile(key); };
  cc.initial_keys = [this] {
    std::vector<std::string> keys;
    for (const auto& h : hunt_stores_.list())
      keys.push_back(h->key());
    return keys;
  };
  cc.queue_metrics = queue_metrics(metrics);
  cc.on_reconciled = [&metrics](const char* label, double seconds) {
    metrics.reconciled(label, seconds);
  };
  kube::Controller& controller = manager.add_controller(std::move(cc));
  for (auto* i : hunt_informers_)
    controller.watch(*i, controller::hunt_event_mapping(*reconciler_));
  for (auto* i : pod_informers_)
    controller.watch(*i, controller::pod_event_mapping(*reconciler_));
}

void HuntController::add_informers(kube::Manager& manager, const OperatorOptions& options) {
  std::vector<std::string> namespaces = options.namespaces;
  if (namespaces.empty()) namespaces.push_back("");  // all namespaces
  for (const auto& ns : namespaces) {
    hunt_informers_.push_back(&manager.add_informer(
        informer_config(kube::treasure_hunts_type(), ns), kube::treasure_hunts_type().plural));
    hunt_stores_.add(&hunt_informers_.back()->store());
  }
  for (const auto& ns : namespaces) {
    kube::InformerConfig pc = informer_config(kube::pods_type(), ns);
    pc.label_selector = controller::kSidecarLabelSelector;  // keeps the cache small
    pod_informers_.push_back(&manager.add_informer(std::move(pc), kube::pods_type().plural));
    pod_stores_.add(&pod_informers_.back()->store());
  }
}

kube::ManagerOptions manager_options(const OperatorOptions& options,
                                     controller::OperatorMetrics& metrics) {
  kube::ManagerOptions mo;
  mo.program = "trove-operator";
  mo.identity = options.identity;
  mo.metrics_bind = options.metrics_bind;
  mo.metrics_text = [&metrics] { return common::serialize_prometheus_text(metrics.registry()); };
  if (options.leader_elect) {
    kube::LeaderElectionConfig lc;
    lc.lease_namespace = options.lease_namespace;
    lc.lease_name = options.lease_name;
    lc.identity = options.identity;
    lc.lease_duration = options.lease_duration;
    lc.renew_deadline = options.renew_deadline;
    lc.retry_period = options.retry_period;
    mo.leader_election = lc;
  }
  mo.on_leading = [&metrics](bool leading) { metrics.set_leader(leading); };
  mo.on_watch_restart = [&metrics](const std::string& r) { metrics.watch_restarted(r); };
  mo.on_relist = [&metrics](const std::string& r) { metrics.relisted(r); };
  return mo;
}

}  // namespace trove::op
