// The operator's own metrics (docs/contracts.md, trove-operator table) in a
// prometheus-cpp registry. Work-queue and reconcile-loop metrics use the
// controller-runtime names so existing dashboards and alerts transfer.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

namespace trove::controller {

// Label values the operator knows before any event happens.
struct OperatorMetricNames {
  std::string controller = "treasurehunt";  // controller_runtime_* `controller`
  std::string queue = "treasurehunt";       // workqueue_* `name`
  // trove_operator_watch_restarts_total / _relists_total `resource`: the
  // resources the informers watch (their plural, as in the API path).
  std::vector<std::string> resources{};
};

class OperatorMetrics {
 public:
  // Every series whose label values are known here (these names and the
  // result values below) is created at 0 now: a series that appears with
  // its first event has no earlier sample, so rate() and increase() miss
  // that event and an alert on the first failure cannot fire.
  explicit OperatorMetrics(OperatorMetricNames names = {});

  static constexpr std::array<const char*, 4> kReconcileResults{"success", "error", "requeue",
                                                                "requeue_after"};
  // owner_refused: a sidecar from before tuning owners refused the PUT's
  // "owner" (400); the owner-less retry that follows is counted on its own.
  static constexpr std::array<const char*, 4> kPushResults{"success", "error", "unauthorized",
                                                           "owner_refused"};

  prometheus::Registry& registry() { return *registry_; }
  const prometheus::Registry& registry() const { return *registry_; }
  std::shared_ptr<prometheus::Registry> shared_registry() { return registry_; }
  const std::string& controller() const { return names_.controller; }

  // result: one of kReconcileResults
  void reconciled(const std::string& result, double seconds);
  // result: one of kPushResults
  void pushed(const std::string& result);
  void hunt_pods(const std::string& ns, const std::string& hunt, double selected, double tuned);
  void forget_hunt(const std::string& ns, const std::string& hunt);
  void watch_restarted(const std::string& resource);
  void relisted(const std::string& resource);
  void set_leader(bool leader);

  // Work-queue hooks (name = the queue's name).
  void queue_depth(const std::string& name, double depth);
  void queue_added(const std::string& name);
  void queue_retried(const std::string& name);
  void queue_waited(const std::string& name, double seconds);
  void queue_worked(const std::string& name, double seconds);

 private:
  OperatorMetricNames names_;
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& reconcile_total_;
  prometheus::Family<prometheus::Counter>& reconcile_errors_;
  prometheus::Family<prometheus::Histogram>& reconcile_time_;
  prometheus::Family<prometheus::Gauge>& queue_depth_;
  prometheus::Family<prometheus::Counter>& queue_adds_;
  prometheus::Family<prometheus::Counter>& queue_retries_;
  prometheus::Family<prometheus::Histogram>& queue_duration_;
  prometheus::Family<prometheus::Histogram>& work_duration_;
  prometheus::Family<prometheus::Counter>& pushes_;
  prometheus::Family<prometheus::Gauge>& pods_tuned_;
  prometheus::Family<prometheus::Gauge>& pods_selected_;
  prometheus::Family<prometheus::Counter>& watch_restarts_;
  prometheus::Family<prometheus::Counter>& relists_;
  prometheus::Gauge& leader_;
};

}  // namespace trove::controller
