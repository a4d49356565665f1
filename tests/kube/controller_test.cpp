// kube::Controller without an API server: keys added to its queue reach the
// reconcile function, and each result kind does what it says to the queue.
#include "kube/controller.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "wait_for.hpp"

namespace trove::kube {
namespace {

using namespace std::chrono_literals;

using test_support::wait_for;

class Labels {
 public:
  void add(const char* label) {
    std::lock_guard lock(mutex_);
    labels_.emplace_back(label);
  }
  std::vector<std::string> get() {
    std::lock_guard lock(mutex_);
    return labels_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> labels_;
};

TEST(Controller, AFailedReconcileIsRetriedAndASuccessForgotten) {
  std::atomic<int> calls{0};
  Labels labels;
  ControllerConfig c;
  c.name = "test";
  c.reconcile = [&](const std::string&) {
    return ++calls == 1 ? ReconcileResult{ReconcileResult::Kind::kError, {}, "boom"}
                        : ReconcileResult{};
  };
  c.on_reconciled = [&](const char* label, double) { labels.add(label); };
  Controller controller(std::move(c));
  controller.start([] { return true; });
  controller.queue().add("ns/a");
  ASSERT_TRUE(wait_for([&] { return labels.get().size() == 2; }, 5s));
  EXPECT_EQ(labels.get(), (std::vector<std::string>{"error", "success"}));
  EXPECT_EQ(controller.queue().num_requeues("ns/a"), 0) << "a success forgets the failures";
  controller.stop();
}

TEST(Controller, RequeueAfterComesBackAfterItsDelay) {
  std::atomic<int> calls{0};
  ControllerConfig c;
  c.name = "test";
  c.reconcile = [&](const std::string&) {
    ++calls;
    return ReconcileResult{ReconcileResult::Kind::kRequeueAfter, 20ms, ""};
  };
  Controller controller(std::move(c));
  controller.start([] { return true; });
  controller.queue().add("ns/a");
  EXPECT_TRUE(wait_for([&] { return calls >= 3; }, 5s));
  controller.stop();
}

TEST(Controller, WorkersWaitForTheCachesAndNeverStartAfterStop) {
  std::atomic<bool> synced{false};
  std::atomic<int> calls{0};
  ControllerConfig c;
  c.name = "test";
  c.initial_keys = [] { return std::vector<std::string>{"ns/a"}; };
  c.reconcile = [&](const std::string&) {
    ++calls;
    return ReconcileResult{};
  };
  Controller controller(std::move(c));
  controller.start([&] { return synced.load(); });
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(calls, 0) << "nothing runs before the caches synced";
  synced = true;
  EXPECT_TRUE(wait_for([&] { return calls == 1; }, 5s));
  controller.stop();
  ControllerConfig late_config;
  late_config.name = "late";
  late_config.reconcile = [&](const std::string&) {
    ++calls;
    return ReconcileResult{};
  };
  Controller late(std::move(late_config));
  late.stop();
  late.start([] { return true; });
  late.queue().add("ns/b");
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(calls, 1) << "a start after stop does nothing";
}

}  // namespace
}  // namespace trove::kube
