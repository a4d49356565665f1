// Must-show: informer correctness under chaos. 1,000 random creates, updates
// and deletes over 200 pods while the fake injects every fault kind at
// random; afterwards the informer's cache must equal the server's state
// exactly, and the callbacks must tell the same story. Prints the relists and
// watch restarts it took. Seed: TROVE_CHAOS_SEED (default fixed, printed).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "fake_fixture.hpp"

namespace trove::kube::testing {
namespace {

using namespace std::chrono_literals;

constexpr int kObjects = 200;
constexpr int kOperations = 1000;

enum Fault {
  kCloseWatches,
  kCloseAfterEvents,
  kSilence,
  kExpireInStream,
  kExpireOnWatchRequest,
  kExpireOnList,
  kServerError,
  kTooManyRequests,
  kLatency,
  kFaultKinds
};
constexpr const char* kFaultNames[] = {
    "close-watches",    "close-after-events", "silence", "410-in-stream",
    "410-watch-status", "410-on-list",        "5xx",     "429",
    "latency"};

class Chaos : public FakeApiTest {
 protected:
  void SetUp() override {
    // Read before start_server starts the fake's threads: POSIX does not make
    // getenv thread-safe.
    const char* seed_env = std::getenv("TROVE_CHAOS_SEED");  // NOLINT(concurrency-mt-unsafe)
    seed_ = seed_env ? std::strtoull(seed_env, nullptr, 10) : 20261127;
    auto o = fast_server_options();
    o.bookmark_interval = 50ms;
    start_server(o);
  }

  void inject(Fault f, std::mt19937_64& rng) {
    auto& faults = server_->faults();
    faults.set_watch_faults({});
    faults.set_latency(0ms);
    fakeapi::RequestFault rf;
    rf.resource = "pods";
    rf.count = 1;
    rf.retry_after_seconds = 0;
    switch (f) {
      case kCloseWatches:
        server_->close_all_watches();
        break;
      case kCloseAfterEvents: {
        fakeapi::WatchFaults w;
        w.close_after_events = std::uniform_int_distribution<int>(1, 5)(rng);
        faults.set_watch_faults(w);
        break;
      }
      case kSilence: {
        fakeapi::WatchFaults w;
        w.silent = true;  // watches opened now stay silent: the idle timer must act
        faults.set_watch_faults(w);
        break;
      }
      case kExpireInStream:
        server_->expire_resource_versions(true);
        break;
      case kExpireOnWatchRequest:
        rf.verb = "watch";
        rf.status = 410;
        faults.add_request_fault(rf);
        server_->close_all_watches();
        break;
      case kExpireOnList:
        rf.verb = "watch";
        rf.status = 410;
        faults.add_request_fault(rf);
        rf.verb = "list";
        faults.add_request_fault(rf);
        server_->close_all_watches();
        break;
      case kServerError:
        rf.verb = rng() % 2 ? "watch" : "list";
        rf.status = rng() % 2 ? 500 : 503;
        rf.count = 2;
        faults.add_request_fault(rf);
        if (rf.verb == "list") {
          rf.verb = "watch";
          rf.status = 410;
          rf.count = 1;
          faults.add_request_fault(rf);
        }
        server_->close_all_watches();
        break;
      case kTooManyRequests:
        rf.verb = "watch";
        rf.status = 429;
        rf.retry_after_seconds = 1;
        faults.add_request_fault(rf);
        server_->close_all_watches();
        break;
      case kLatency:
        faults.set_latency(
            std::chrono::milliseconds{std::uniform_int_distribution<int>(5, 40)(rng)});
        break;
      case kFaultKinds:
        break;
    }
  }

  std::uint64_t seed_ = 0;  // $TROVE_CHAOS_SEED, else a fixed one
};

TEST_F(Chaos, CacheEqualsServerAfterRandomFaults) {
  const std::uint64_t seed = seed_;
  std::printf("chaos seed %llu\n", static_cast<unsigned long long>(seed));

  auto client = make_client();
  InformerConfig cfg = fast_informer("chaos");
  cfg.idle_timeout = 300ms;  // > 2x the 50 ms bookmarks
  cfg.backoff = BackoffConfig{5ms, 100ms, 2.0, 1.0, 2s};
  Informer informer(*client, cfg);
  CallbackMirror mirror;
  informer.add_handlers(mirror.handlers());
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(5s));

  std::atomic<bool> done{false};
  std::array<std::atomic<int>, kFaultKinds> injected{};
  std::thread chaos([&] {
    // Every kind once per round, in a random order; gaps long enough
    // (80..200 ms) that the informer also spends time watching between
    // faults, short enough to hit it in every state.
    std::mt19937_64 rng(seed ^ 0x9e3779b97f4a7c15ULL);
    std::vector<Fault> round;
    round.reserve(kFaultKinds);
    for (int f = 0; f < kFaultKinds; ++f)
      round.push_back(static_cast<Fault>(f));
    while (!done) {
      std::shuffle(round.begin(), round.end(), rng);
      for (Fault f : round) {
        if (done) break;
        inject(f, rng);
        ++injected[f];
        std::this_thread::sleep_for(std::chrono::milliseconds{80 + rng() % 120});
      }
    }
  });

  std::mt19937_64 rng(seed);
  std::vector<bool> present(kObjects, false);
  int creates = 0, updates = 0, deletes = 0;
  const std::string base = "/api/v1/namespaces/chaos/pods";
  const std::string item_prefix = base + "/";
  const auto ops_start = std::chrono::steady_clock::now();
  for (int op = 0; op < kOperations; ++op) {
    const int i = static_cast<int>(rng() % kObjects);
    const std::string name = "obj-" + std::to_string(i);
    if (!present[i]) {
      direct_ok("POST", base, pod_json(name, "chaos", "chaos", op));
      present[i] = true;
      ++creates;
    } else if (rng() % 10 < 6) {
      direct_ok("PATCH", item_prefix + name,
                R"({"metadata":{"annotations":{"tag":")" + std::to_string(op) + "\"}}}",
                "application/merge-patch+json");
      ++updates;
    } else {
      direct_ok("DELETE", item_prefix + name);
      present[i] = false;
      ++deletes;
    }
    std::this_thread::sleep_for(std::chrono::microseconds{2000 + rng() % 3000});
  }
  const auto ops_time = std::chrono::steady_clock::now() - ops_start;
  done = true;
  chaos.join();
  server_->faults().clear();

  const auto settle_start = std::chrono::steady_clock::now();
  const bool converged = wait_converged(informer, "chaos", 30s);
  const auto settle = std::chrono::steady_clock::now() - settle_start;
  informer.stop();

  std::string faults;
  int total_faults = 0;
  for (int f = 0; f < kFaultKinds; ++f) {
    faults += std::string(" ") + kFaultNames[f] + "=" + std::to_string(injected[f].load());
    total_faults += injected[f];
  }
  std::printf(
      "chaos: %d ops (%d creates, %d updates, %d deletes) in %.1f s over %d objects; %d faults:%s\n"
      "chaos: relists=%llu watch_restarts=%llu events=%llu; converged=%d %.2f s after the last op;"
      " server holds %zu pods, cache %zu\n",
      kOperations, creates, updates, deletes, std::chrono::duration<double>(ops_time).count(),
      kObjects, total_faults, faults.c_str(), static_cast<unsigned long long>(informer.relists()),
      static_cast<unsigned long long>(informer.watch_restarts()),
      static_cast<unsigned long long>(informer.events_received()), converged ? 1 : 0,
      std::chrono::duration<double>(settle).count(), server_pods("chaos").size(),
      informer.store().size());
  RecordProperty("relists", static_cast<int>(informer.relists()));
  RecordProperty("watch_restarts", static_cast<int>(informer.watch_restarts()));

  ASSERT_TRUE(converged) << "informer cache differs from the server";
  EXPECT_EQ(cache_pods(informer.store()), server_pods("chaos"));
  EXPECT_EQ(mirror.state(), server_pods("chaos")) << "callbacks missed a final state";
  const auto violations = mirror.violations();
  EXPECT_TRUE(violations.empty()) << violations.size() << " contradictions, first: "
                                  << (violations.empty() ? "" : violations.front());
  for (int f = 0; f < kFaultKinds; ++f)
    EXPECT_GT(injected[f].load(), 0) << kFaultNames[f];
  EXPECT_GT(informer.relists(), 0u);
  EXPECT_GT(informer.watch_restarts(), 0u);
}

}  // namespace
}  // namespace trove::kube::testing
