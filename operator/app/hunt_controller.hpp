// The TreasureHunt controller wired into a Manager: per watched namespace a
// hunt informer and a sidecar pod informer, the reconciler reading their
// caches, and the controller that queues hunts from their events.
#pragma once

#include <memory>

#include "controller/hunt_reconciler.hpp"
#include "controller/operator_metrics.hpp"
#include "kube/manager.hpp"
#include "operator_options.hpp"

namespace trove::op {

// The work queue's name in metrics and logs.
inline constexpr const char* kHuntQueueName = "treasurehunt";

class HuntController {
 public:
  // `work_client` serves reconciles (status writes, token Secrets).
  HuntController(kube::Manager& manager, kube::Client& work_client,
                 controller::OperatorMetrics& metrics, controller::EventSink events,
                 const OperatorOptions& options);

 private:
  void add_informers(kube::Manager& manager, const OperatorOptions& options);

  std::vector<kube::Informer*> hunt_informers_;
  std::vector<kube::Informer*> pod_informers_;
  controller::StoreSet hunt_stores_;
  controller::StoreSet pod_stores_;
  std::unique_ptr<controller::HuntReconciler> reconciler_;
};

// The Manager's options from the flags, with the operator's metrics hooks.
kube::ManagerOptions manager_options(const OperatorOptions& options,
                                     controller::OperatorMetrics& metrics);

}  // namespace trove::op
