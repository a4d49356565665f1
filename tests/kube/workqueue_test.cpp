// Work queue semantics (client-go's contract).
#include "kube/workqueue.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "slow_factor.hpp"

namespace trove::kube {
namespace {

using namespace std::chrono_literals;

TEST(WorkQueue, DeduplicatesQueuedKeys) {
  int adds = 0;
  WorkQueueMetrics m;
  m.add = [&] { ++adds; };
  WorkQueue q({}, m);
  q.add("a");
  q.add("b");
  q.add("a");
  EXPECT_EQ(q.len(), 2u);
  EXPECT_EQ(adds, 2) << "a duplicate add is not counted";
  EXPECT_EQ(q.get(), "a");
  EXPECT_EQ(q.get(), "b");
}

TEST(WorkQueue, ReAddWhileProcessingIsDeferredUntilDone) {
  WorkQueue q;
  q.add("a");
  auto k = q.get();
  ASSERT_EQ(k, "a");
  q.add("a");
  EXPECT_EQ(q.len(), 0u) << "a key being processed is not handed out again";
  q.add("a");
  q.done("a");
  EXPECT_EQ(q.len(), 1u) << "the deferred add becomes one queued key";
  EXPECT_EQ(q.get(), "a");
  q.done("a");
  EXPECT_EQ(q.len(), 0u);
}

TEST(WorkQueue, SeveralWaitersOnDelayedKeysEachGetOneKey) {
  // Regression: get() once waited on a reference into the delayed set, which
  // another waiter erased when it promoted the key (ASan: use-after-free).
  WorkQueue q;
  constexpr int kKeys = 50;
  std::atomic<int> got{0};
  std::vector<std::thread> workers;
  workers.reserve(4);
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (auto key = q.get()) {
        ++got;
        q.done(*key);
      }
    });
  }
  for (int i = 0; i < kKeys; ++i)
    q.add_after("k" + std::to_string(i), std::chrono::milliseconds(1 + i % 5));
  for (int i = 0; i < 200 && got.load() < kKeys; ++i)
    std::this_thread::sleep_for(5ms);
  q.shutdown();
  for (auto& t : workers)
    t.join();
  EXPECT_EQ(got.load(), kKeys) << "every delayed key is handed out exactly once";
}

TEST(WorkQueue, NeverHandsOneKeyToTwoWorkers) {
  WorkQueue q;
  std::atomic<int> in_flight{0};
  std::atomic<bool> overlap{false};
  std::atomic<int> processed{0};
  std::vector<std::thread> workers;
  workers.reserve(4);
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (auto key = q.get()) {
        if (in_flight.fetch_add(1) != 0) overlap = true;
        std::this_thread::sleep_for(100us);
        in_flight.fetch_sub(1);
        ++processed;
        q.done(*key);
      }
    });
  }
  for (int i = 0; i < 2000; ++i) {
    q.add("same");
    if (i % 100 == 0) std::this_thread::sleep_for(200us);
  }
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while ((q.len() > 0 || processed.load() == 0) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(5ms);
  q.shutdown();
  for (auto& t : workers)
    t.join();
  EXPECT_FALSE(overlap.load()) << "two workers processed the same key at once";
  EXPECT_GT(processed.load(), 0);
  EXPECT_LT(processed.load(), 2000) << "adds while queued/processing must collapse";
}

TEST(WorkQueue, AddAfterDelaysAndKeepsEarliest) {
  WorkQueue q;
  const auto start = std::chrono::steady_clock::now();
  q.add_after("late", 60ms);
  q.add_after("late", 20ms);  // earlier time wins
  q.add_after("late", 500ms);
  EXPECT_EQ(q.len(), 0u);
  EXPECT_EQ(q.waiting(), 1u);
  auto k = q.get();
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(k, "late");
  EXPECT_GE(waited, 20ms);
  EXPECT_LT(waited, test_support::scaled(400ms));
  q.done("late");
  EXPECT_EQ(q.waiting(), 0u);
}

TEST(WorkQueue, RateLimitedRetriesBackOffExponentially) {
  int retries = 0;
  WorkQueueMetrics m;
  m.retry = [&] { ++retries; };
  RateLimiterConfig limits;
  limits.base_delay = 10ms;
  WorkQueue q(limits, m);
  std::vector<std::chrono::steady_clock::duration> waits;
  for (int i = 0; i < 4; ++i) {
    const auto t = std::chrono::steady_clock::now();
    q.add_rate_limited("x");
    auto k = q.get();
    waits.push_back(std::chrono::steady_clock::now() - t);
    q.done(*k);
  }
  EXPECT_EQ(q.num_requeues("x"), 4);
  EXPECT_EQ(retries, 4);
  EXPECT_GE(waits[0], 10ms);
  EXPECT_GE(waits[3], 80ms) << "10, 20, 40, 80 ms";
  q.forget("x");
  EXPECT_EQ(q.num_requeues("x"), 0);
}

TEST(WorkQueue, ShutdownWakesBlockedGetters) {
  WorkQueue q;
  std::thread t([&] { EXPECT_EQ(q.get(), std::nullopt); });
  std::this_thread::sleep_for(10ms);
  q.shutdown();
  t.join();
  q.add("after");
  EXPECT_EQ(q.len(), 0u) << "adds after shutdown are dropped";
  EXPECT_TRUE(q.shutting_down());
}

TEST(WorkQueue, MetricsHooksSeeDepthAndDurations) {
  std::size_t last_depth = 99;
  double queued = -1;
  double worked = -1;
  WorkQueueMetrics m;
  m.depth = [&](std::size_t d) { last_depth = d; };
  m.queue_duration_seconds = [&](double s) { queued = s; };
  m.work_duration_seconds = [&](double s) { worked = s; };
  WorkQueue q({}, m);
  q.add("a");
  EXPECT_EQ(last_depth, 1u);
  std::this_thread::sleep_for(5ms);
  auto k = q.get();
  EXPECT_EQ(last_depth, 0u);
  EXPECT_GE(queued, 0.004);
  std::this_thread::sleep_for(5ms);
  q.done(*k);
  EXPECT_GE(worked, 0.004);
}

}  // namespace
}  // namespace trove::kube
