// A controller (controller-runtime's Controller): one rate-limited work
// queue of keys, the workers that feed them to a reconcile function, and the
// informer event mappings that queue keys. It knows nothing of what it
// reconciles: the reconcile function and the event-to-key mappings are
// passed in. A Manager (kube/manager.hpp) decides when it starts.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kube/informer.hpp"
#include "kube/reconcile_result.hpp"
#include "kube/workqueue.hpp"

namespace trove::kube {

// Which keys an informer event concerns (controller-runtime's EventHandler
// with its predicates): an empty answer queues nothing. An unset function
// ignores that kind of event.
struct EventMapping {
  std::function<std::vector<std::string>(const ObjectPtr& object)> on_add;
  std::function<std::vector<std::string>(const ObjectPtr& old_object, const ObjectPtr& object)>
      on_update;
  std::function<std::vector<std::string>(const ObjectPtr& final_state)> on_delete;
};

struct ControllerConfig {
  std::string name;  // the queue's name in logs and metrics
  std::size_t workers = 1;
  std::function<ReconcileResult(const std::string& key)> reconcile;
  // Keys queued each time the workers start (a new leader): the informers
  // queued every object as they listed, but a previous leader may have left
  // one half-done.
  std::function<std::vector<std::string>()> initial_keys;
  WorkQueueMetrics queue_metrics;
  RateLimiterConfig limits;
  // Called after every reconcile with its result label and its duration.
  std::function<void(const char* label, double seconds)> on_reconciled;
};

class Controller {
 public:
  explicit Controller(ControllerConfig config);
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  // Queues the keys `mapping` names for each of the informer's events.
  // Before the informer starts.
  void watch(Informer& informer, const EventMapping& mapping);
  // Starts the workers once; they wait for `caches_synced` before the first
  // key. Later calls, and calls after stop(), do nothing.
  void start(std::function<bool()> caches_synced);
  // Stops handing out keys, lets running reconciles finish, joins the
  // workers. Idempotent.
  void stop();

  WorkQueue& queue() { return queue_; }
  const std::string& name() const { return config_.name; }

 private:
  void worker_loop(std::size_t index, const std::function<bool()>& caches_synced);
  void process(const std::string& key);
  void queue_all(const std::vector<std::string>& keys);

  const ControllerConfig config_;
  WorkQueue queue_;
  std::mutex workers_mutex_;
  bool workers_started_ = false;  // guarded by workers_mutex_
  std::vector<std::thread> workers_;
  std::function<bool()> caches_synced_;
};

}  // namespace trove::kube
