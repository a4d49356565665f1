#include "kube/controller.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

namespace trove::kube {

namespace {

using Clock = std::chrono::steady_clock;

// How often a worker looks again whether the caches synced: short next to a
// LIST, and the wait happens once per start.
constexpr std::chrono::milliseconds kSyncPoll{20};

}  // namespace

Controller::Controller(ControllerConfig config)
    : config_(std::move(config)), queue_(config_.limits, config_.queue_metrics) {}

Controller::~Controller() {
  stop();
}

void Controller::queue_all(const std::vector<std::string>& keys) {
  for (const auto& k : keys)
    queue_.add(k);
}

void Controller::watch(Informer& informer, const EventMapping& mapping) {
  EventHandlers handlers;
  if (mapping.on_add) {
    handlers.on_add = [this, f = mapping.on_add](const ObjectPtr& o) { queue_all(f(o)); };
  }
  if (mapping.on_update) {
    handlers.on_update = [this, f = mapping.on_update](const ObjectPtr& old_object,
                                                       const ObjectPtr& object) {
      queue_all(f(old_object, object));
    };
  }
  if (mapping.on_delete) {
    handlers.on_delete = [this, f = mapping.on_delete](const ObjectPtr& o) { queue_all(f(o)); };
  }
  informer.add_handlers(std::move(handlers));
}

void Controller::start(std::function<bool()> caches_synced) {
  std::lock_guard lock(workers_mutex_);
  if (workers_started_) return;
  workers_started_ = true;
  caches_synced_ = std::move(caches_synced);
  for (std::size_t w = 0; w < config_.workers; ++w)
    workers_.emplace_back([this, w] { worker_loop(w, caches_synced_); });
}

void Controller::stop() {
  queue_.shutdown();
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(workers_mutex_);
    workers_started_ = true;  // no late start from the elector
    workers.swap(workers_);
  }
  for (auto& t : workers)
    t.join();
}

void Controller::worker_loop(std::size_t index, const std::function<bool()>& caches_synced) {
  while (!caches_synced() && !queue_.shutting_down())
    std::this_thread::sleep_for(kSyncPoll);
  if (index == 0 && config_.initial_keys) queue_all(config_.initial_keys());
  while (auto key = queue_.get()) {
    process(*key);
    queue_.done(*key);
  }
}

void Controller::process(const std::string& key) {
  const auto t0 = Clock::now();
  ReconcileResult r;
  try {
    r = config_.reconcile(key);
  } catch (const std::exception& e) {
    r = {ReconcileResult::Kind::kError, {}, e.what()};
  }
  if (config_.on_reconciled) {
    config_.on_reconciled(r.label(), std::chrono::duration<double>(Clock::now() - t0).count());
  }
  switch (r.kind) {
    case ReconcileResult::Kind::kSuccess:
      queue_.forget(key);
      break;
    case ReconcileResult::Kind::kRequeueAfter:
      queue_.forget(key);
      queue_.add_after(key, r.after);
      break;
    case ReconcileResult::Kind::kRequeue:  // a 409 on status: the next try reads fresh state
    case ReconcileResult::Kind::kError:
      spdlog::warn("reconcile {}: {} ({})", key, r.error, r.label());
      queue_.add_rate_limited(key);
      break;
  }
}

}  // namespace trove::kube
