// Reconciles one TreasureHunt: selects its Running, Ready sidecar pods from
// the pod cache, reads each sidecar's stats, computes each pod's tuning
// (override > autotune > static), pushes it where it differs, and writes
// .status through the status subresource when it changed. Events record
// tuning changes and new failures. Reconciles of different hunts may run
// concurrently; the work queue never runs one key twice at once.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "controller/hunt_spec.hpp"
#include "controller/hunt_status.hpp"
#include "controller/operator_metrics.hpp"
#include "controller/pod_view.hpp"
#include "controller/reconcile_steps.hpp"
#include "controller/sidecar_admin_client.hpp"
#include "controller/store_set.hpp"
#include "kube/client.hpp"
#include "kube/store.hpp"

namespace trove::controller {

struct ReconcilerOptions {
  AdminClientOptions admin;
  // How often each pod's stats feed the autotuner, and how often every hunt
  // is reconciled again (which notices sidecars that died or restarted).
  std::chrono::milliseconds autotune_interval{15'000};
  // A sidecar that failed is retried at least this often, so recovery shows
  // without any pod event.
  std::chrono::milliseconds error_retry{5'000};
  // More successful pushes than this in one reconcile make one summary
  // Event instead of one per pod (a rollout to 100 pods is one story).
  std::size_t max_events_per_reconcile = 5;
  // Create each hunt's token Secret when missing and rotate the operator's
  // own ones on request (controller/token_secret.hpp); false: read only.
  bool manage_token_secrets = false;
};

class HuntReconciler {
 public:
  HuntReconciler(kube::Client& client, StoreSet hunts, StoreSet pods, EventSink events,
                 OperatorMetrics* metrics, ReconcilerOptions options);

  // key: "namespace/name" of a TreasureHunt.
  ReconcileResult reconcile(const std::string& key);

  // Hunt keys a pod change concerns: every cached hunt in the pod's
  // namespace whose selector matches its labels (old or new).
  std::vector<std::string> hunts_selecting(const PodView& pod) const;
  // Every cached hunt key in a namespace (ownership changes when one is
  // created, deleted or re-selected).
  std::vector<std::string> hunts_in_namespace(const std::string& ns) const;

 private:
  struct HuntMemory {
    std::string uid;
    PodMemories pods;
  };

  struct Selection {
    std::vector<PodView> pods;  // eligible, owned by this hunt, sorted by name
    std::vector<Conflict> conflicts;
  };
  // The steps of reconcile(), in order.
  ReconcileResult forget(const std::string& key);
  ReconcileResult reconcile_invalid(const kube::KubeObject& object, const ParseResult& parsed,
                                    StatusInput in);
  Selection select_pods(const Hunt& hunt) const;
  std::string read_token(const Hunt& hunt, std::string& error);
  std::vector<PodOutcome> read_pods(const Hunt& hunt, const std::vector<PodView>& pods,
                                    const std::vector<AdminCall>& gets,
                                    const std::string& token_error, PodMemories& memories);
  ReconcileResult finish(const kube::KubeObject& object, const Hunt& hunt, StatusInput in);
  ReconcileResult write_status(const kube::KubeObject& object, const StatusInput& input);
  HuntMemory& memory_for(const std::string& key, const std::string& uid);
  std::vector<AdminResult> run_admin(const std::vector<AdminCall>& calls) const;

  kube::Client& client_;
  StoreSet hunts_;
  StoreSet pods_;
  EventSink events_;
  OperatorMetrics* metrics_;
  ReconcilerOptions options_;
  std::mutex memory_mutex_;  // guards the map; each entry is one key's, used by one worker
  std::map<std::string, HuntMemory> memory_;
};

}  // namespace trove::controller
