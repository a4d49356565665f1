#include "controller/operator_metrics.hpp"

#include <utility>

namespace trove::controller {

namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;
using prometheus::Histogram;

// controller-runtime's reconcile buckets (seconds), 5 ms .. 60 s.
const Histogram::BucketBoundaries& reconcile_buckets() {
  static const Histogram::BucketBoundaries b{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                             1,     2.5,  5,     10,   15,  30,   60};
  return b;
}

// client-go's work-queue buckets: 10^-8 .. 10^1 s, one per decade.
const Histogram::BucketBoundaries& queue_buckets() {
  static const Histogram::BucketBoundaries b{1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10};
  return b;
}

}  // namespace

OperatorMetrics::OperatorMetrics(OperatorMetricNames names)
    : names_(std::move(names)),
      registry_(std::make_shared<prometheus::Registry>()),
      reconcile_total_(BuildCounter()
                           .Name("controller_runtime_reconcile_total")
                           .Help("Reconciles per controller and result")
                           .Register(*registry_)),
      reconcile_errors_(BuildCounter()
                            .Name("controller_runtime_reconcile_errors_total")
                            .Help("Reconciles that ended in an error")
                            .Register(*registry_)),
      reconcile_time_(BuildHistogram()
                          .Name("controller_runtime_reconcile_time_seconds")
                          .Help("Time per reconcile")
                          .Register(*registry_)),
      queue_depth_(BuildGauge()
                       .Name("workqueue_depth")
                       .Help("Keys waiting in the work queue")
                       .Register(*registry_)),
      queue_adds_(BuildCounter()
                      .Name("workqueue_adds_total")
                      .Help("Keys added to the work queue")
                      .Register(*registry_)),
      queue_retries_(BuildCounter()
                         .Name("workqueue_retries_total")
                         .Help("Rate-limited re-adds to the work queue")
                         .Register(*registry_)),
      queue_duration_(BuildHistogram()
                          .Name("workqueue_queue_duration_seconds")
                          .Help("Time a key waits in the queue before it is worked on")
                          .Register(*registry_)),
      work_duration_(BuildHistogram()
                         .Name("workqueue_work_duration_seconds")
                         .Help("Time a key is worked on")
                         .Register(*registry_)),
      pushes_(BuildCounter()
                  .Name("trove_operator_tuning_pushes_total")
                  .Help("PUT /admin/v1/tuning calls to sidecars by result")
                  .Register(*registry_)),
      pods_tuned_(BuildGauge()
                      .Name("trove_operator_pods_tuned")
                      .Help("Selected pods whose sidecar runs the desired tuning")
                      .Register(*registry_)),
      pods_selected_(BuildGauge()
                         .Name("trove_operator_pods_selected")
                         .Help("Running, ready sidecar pods a hunt selects")
                         .Register(*registry_)),
      watch_restarts_(BuildCounter()
                          .Name("trove_operator_watch_restarts_total")
                          .Help("Watches restarted (normal end, error, dropped)")
                          .Register(*registry_)),
      relists_(BuildCounter()
                   .Name("trove_operator_relists_total")
                   .Help("Full relists (start, 410 Gone)")
                   .Register(*registry_)),
      leader_(BuildGauge()
                  .Name("trove_operator_leader")
                  .Help("1 while this replica holds the leader lease")
                  .Register(*registry_)
                  .Add({})) {
  const prometheus::Labels controller{{"controller", names_.controller}};
  for (const char* r : kReconcileResults) {
    reconcile_total_.Add({{"controller", names_.controller}, {"result", r}});
  }
  reconcile_errors_.Add(controller);
  reconcile_time_.Add(controller, reconcile_buckets());
  for (const char* r : kPushResults)
    pushes_.Add({{"result", r}});
  const prometheus::Labels queue{{"name", names_.queue}};
  queue_depth_.Add(queue);
  queue_adds_.Add(queue);
  queue_retries_.Add(queue);
  queue_duration_.Add(queue, queue_buckets());
  work_duration_.Add(queue, queue_buckets());
  for (const auto& resource : names_.resources) {
    watch_restarts_.Add({{"resource", resource}});
    relists_.Add({{"resource", resource}});
  }
}

void OperatorMetrics::reconciled(const std::string& result, double seconds) {
  reconcile_total_.Add({{"controller", names_.controller}, {"result", result}}).Increment();
  if (result == "error") reconcile_errors_.Add({{"controller", names_.controller}}).Increment();
  reconcile_time_.Add({{"controller", names_.controller}}, reconcile_buckets()).Observe(seconds);
}

void OperatorMetrics::pushed(const std::string& result) {
  pushes_.Add({{"result", result}}).Increment();
}

void OperatorMetrics::hunt_pods(const std::string& ns, const std::string& hunt, double selected,
                                double tuned) {
  pods_selected_.Add({{"namespace", ns}, {"hunt", hunt}}).Set(selected);
  pods_tuned_.Add({{"namespace", ns}, {"hunt", hunt}}).Set(tuned);
}

void OperatorMetrics::forget_hunt(const std::string& ns, const std::string& hunt) {
  // A deleted hunt's series disappear instead of freezing at their last value.
  auto& sel = pods_selected_.Add({{"namespace", ns}, {"hunt", hunt}});
  pods_selected_.Remove(&sel);
  auto& tun = pods_tuned_.Add({{"namespace", ns}, {"hunt", hunt}});
  pods_tuned_.Remove(&tun);
}

void OperatorMetrics::watch_restarted(const std::string& resource) {
  watch_restarts_.Add({{"resource", resource}}).Increment();
}

void OperatorMetrics::relisted(const std::string& resource) {
  relists_.Add({{"resource", resource}}).Increment();
}

void OperatorMetrics::set_leader(bool leader) {
  leader_.Set(leader ? 1 : 0);
}

void OperatorMetrics::queue_depth(const std::string& name, double depth) {
  queue_depth_.Add({{"name", name}}).Set(depth);
}

void OperatorMetrics::queue_added(const std::string& name) {
  queue_adds_.Add({{"name", name}}).Increment();
}

void OperatorMetrics::queue_retried(const std::string& name) {
  queue_retries_.Add({{"name", name}}).Increment();
}

void OperatorMetrics::queue_waited(const std::string& name, double seconds) {
  queue_duration_.Add({{"name", name}}, queue_buckets()).Observe(seconds);
}

void OperatorMetrics::queue_worked(const std::string& name, double seconds) {
  work_duration_.Add({{"name", name}}, queue_buckets()).Observe(seconds);
}

}  // namespace trove::controller
