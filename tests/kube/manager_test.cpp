// kube::Manager and kube::Controller against the fake: readiness follows the
// caches, informer events reach the reconcile function through the event
// mapping, a lost lease ends run() with exit code 1, and a shutdown request
// stops everything in order with its own exit code.
#include "kube/manager.hpp"

#include <gtest/gtest.h>

#include <set>

#include "fake_fixture.hpp"
#include "kube/resource.hpp"
#include "wait_for.hpp"

namespace trove::kube::testing {
namespace {

using namespace std::chrono_literals;

using test_support::wait_for;

class ManagerTest : public FakeApiTest {
 protected:
  ManagerOptions options() {
    ManagerOptions o;
    o.program = "manager-test";
    o.identity = "me";
    o.metrics_bind = "127.0.0.1:0";
    o.metrics_text = [] { return std::string("test_metric 1\n"); };
    o.on_leading = [this](bool leading) {
      std::lock_guard lock(mutex_);
      leading_events_.push_back(leading);
    };
    return o;
  }
  static LeaderElectionConfig election() {
    LeaderElectionConfig c;
    c.lease_namespace = "default";
    c.lease_name = "manager-test";
    c.identity = "me";
    // The 15 / 10 / 2 s defaults scaled down by 10.
    c.lease_duration = 1500ms;
    c.renew_deadline = 1000ms;
    c.retry_period = 200ms;
    return c;
  }
  // Reconciled keys, each once.
  ControllerConfig recording_controller() {
    ControllerConfig c;
    c.name = "test";
    c.workers = 2;
    c.reconcile = [this](const std::string& key) {
      std::lock_guard lock(mutex_);
      reconciled_.insert(key);
      return ReconcileResult{};
    };
    return c;
  }
  std::set<std::string> reconciled() {
    std::lock_guard lock(mutex_);
    return reconciled_;
  }

  std::vector<bool> leading_events() {
    std::lock_guard lock(mutex_);
    return leading_events_;
  }

  std::mutex mutex_;
  std::vector<bool> leading_events_;  // guarded by mutex_
  std::set<std::string> reconciled_;
};

TEST_F(ManagerTest, PodEventsReachTheReconcilerAndShutdownReturnsItsCode) {
  direct_ok("POST", "/api/v1/namespaces/default/pods", pod_json("p0"));
  auto watch = make_client();
  auto lease = make_client();
  Manager manager(*watch, *lease, options());
  Informer& pods = manager.add_informer(fast_informer(), "pods");
  Controller& controller = manager.add_controller(recording_controller());
  EventMapping mapping;
  mapping.on_add = [](const ObjectPtr& o) { return std::vector<std::string>{o->key()}; };
  controller.watch(pods, mapping);
  bool stepped = false;
  manager.add_shutdown_step([&] { stepped = true; });

  std::thread runner;
  int exit_code = -1;
  runner = std::thread([&] { exit_code = manager.run(); });
  EXPECT_TRUE(wait_for([&] { return reconciled().contains("default/p0"); }, 5s));
  EXPECT_TRUE(manager.caches_synced());
  direct_ok("POST", "/api/v1/namespaces/default/pods", pod_json("p1"));
  EXPECT_TRUE(wait_for([&] { return reconciled().contains("default/p1"); }, 5s));
  manager.request_shutdown(7);
  runner.join();
  EXPECT_EQ(exit_code, 7);
  EXPECT_TRUE(stepped);
  EXPECT_EQ(leading_events(), std::vector<bool>{true}) << "without election it leads at once";
  EXPECT_TRUE(controller.queue().shutting_down());
}

TEST_F(ManagerTest, InitialKeysAreQueuedWhenTheWorkersStart) {
  auto watch = make_client();
  auto lease = make_client();
  Manager manager(*watch, *lease, options());
  ControllerConfig c = recording_controller();
  c.initial_keys = [] { return std::vector<std::string>{"ns/a", "ns/b"}; };
  manager.add_controller(std::move(c));
  std::thread runner([&] { manager.run(); });
  EXPECT_TRUE(wait_for([&] { return reconciled().size() == 2; }, 5s));
  manager.request_shutdown(0);
  runner.join();
  EXPECT_EQ(reconciled(), (std::set<std::string>{"ns/a", "ns/b"}));
}

TEST_F(ManagerTest, ALostLeaseEndsRunWithExitCodeOne) {
  auto watch = make_client();
  auto lease = make_client();
  ManagerOptions o = options();
  o.leader_election = election();
  Manager manager(*watch, *lease, o);
  manager.add_controller(recording_controller());
  int exit_code = -1;
  std::thread runner([&] { exit_code = manager.run(); });
  ASSERT_TRUE(wait_for([&] { return !leading_events().empty(); }, 5s));
  // Every lease update now fails: the leader misses its renew deadline.
  fakeapi::RequestFault f;
  f.verb = "update";
  f.resource = "leases";
  f.status = 500;
  f.retry_after_seconds = 0;
  server_->faults().add_request_fault(f);
  runner.join();
  EXPECT_EQ(exit_code, 1);
  EXPECT_EQ(leading_events(), (std::vector<bool>{true, false}));
}

TEST_F(ManagerTest, AMalformedMetricsBindEndsRunWithExitCodeTwo) {
  auto watch = make_client();
  auto lease = make_client();
  ManagerOptions o = options();
  o.metrics_bind = "no-port";
  Manager manager(*watch, *lease, o);
  EXPECT_EQ(manager.run(), 2);
}

}  // namespace
}  // namespace trove::kube::testing
