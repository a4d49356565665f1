// Must-show: informer scale. 10,000 pods listed (paged, 500 per page) and
// then watched; prints the time to sync and the cache's memory per object.
// The full 10,000 also under ASan (about 5 s there); TROVE_KUBE_SCALE_PODS
// overrides the count. The process-heap figure is printed only without
// sanitizers, whose allocator has its own accounting.
#include <gtest/gtest.h>
#include <malloc.h>

#include <cstdio>
#include <cstdlib>

#include "fake_fixture.hpp"

namespace trove::kube::testing {
namespace {

using namespace std::chrono_literals;

constexpr int kDefaultPods = 10000;
#if defined(TROVE_ASAN) || defined(TROVE_TSAN)
constexpr bool kHeapFiguresMeaningful = false;
#else
constexpr bool kHeapFiguresMeaningful = true;
#endif

// A pod shaped like a real sidecar pod (~1.3 KB of JSON).
std::string realistic_pod(int i) {
  const std::string n = std::to_string(i);
  return R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"game-)" + n +
         R"(","namespace":"scale","labels":{"app":"game","hunt":"hunt-)" + std::to_string(i % 50) +
         R"(","pod-template-hash":"7f9c6d5b8"},"annotations":{"trove.dev/admin-port":"9090"},)"
         R"("ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"game-7f9c6d5b8",)"
         R"("uid":"5b1e3f2a-0c1d-4e5f-9a8b-7c6d5e4f3a2b","controller":true}]},)"
         R"("spec":{"nodeName":"node-)" +
         std::to_string(i % 20) +
         R"(","containers":[{"name":"game","image":"registry.example/game:1.4.2",)"
         R"("ports":[{"containerPort":7777,"protocol":"UDP"}],)"
         R"("resources":{"requests":{"cpu":"500m","memory":"512Mi"},"limits":{"memory":"1Gi"}}},)"
         R"({"name":"trove","image":"registry.example/trove-server:0.1.0",)"
         R"("args":["--port=8080","--admin-port=9090","--arena-mib=128"],)"
         R"("ports":[{"containerPort":8080},{"containerPort":9090,"name":"admin"}],)"
         R"("env":[{"name":"TROVE_WORKERS","value":"2"}]}]},)"
         R"("status":{"phase":"Running","podIP":"10.42.)" +
         std::to_string(i / 250) + "." + std::to_string(i % 250) +
         R"(","conditions":[{"type":"Ready","status":"True"},{"type":"ContainersReady","status":"True"}]}})";
}

std::size_t heap_in_use() {
  malloc_trim(0);
  return mallinfo2().uordblks;
}

class Scale : public FakeApiTest {
 protected:
  void SetUp() override {
    // Read before FakeApiTest::SetUp starts the fake's threads: POSIX does not
    // make getenv thread-safe.
    const char* env = std::getenv("TROVE_KUBE_SCALE_PODS");  // NOLINT(concurrency-mt-unsafe)
    pods_ = env ? static_cast<int>(std::strtol(env, nullptr, 10)) : kDefaultPods;
    FakeApiTest::SetUp();
  }

  int pods_ = 0;  // $TROVE_KUBE_SCALE_PODS, else kDefaultPods
};

TEST_F(Scale, TenThousandPodsListedAndWatched) {
  const int pods = pods_;
  ASSERT_GT(pods, 0);
  const auto create_start = std::chrono::steady_clock::now();
  for (int i = 0; i < pods; ++i)
    direct_ok("POST", "/api/v1/namespaces/scale/pods", realistic_pod(i));
  const double create_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - create_start).count();

  auto client = make_client();
  InformerConfig cfg = fast_informer("scale");
  cfg.idle_timeout = 5s;
  cfg.min_watch_timeout = 30s;
  cfg.max_watch_timeout = 60s;
  const std::size_t heap_before = heap_in_use();
  Informer informer(*client, cfg);
  const auto sync_start = std::chrono::steady_clock::now();
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(60s));
  const double sync_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - sync_start).count();
  ASSERT_EQ(informer.store().size(), static_cast<std::size_t>(pods));
  const std::size_t heap_after = heap_in_use();
  const double dom_per_object =
      static_cast<double>(informer.store().object_bytes()) / static_cast<double>(pods);
  const double heap_per_object =
      (static_cast<double>(heap_after) - static_cast<double>(heap_before)) /
      static_cast<double>(pods);

  // Watched: 1,000 updates spread over the pods must all reach the cache.
  const int updates = std::min(1000, pods);
  const auto watch_start = std::chrono::steady_clock::now();
  for (int i = 0; i < updates; ++i) {
    const int target = (i * 7919) % pods;
    direct_ok("PATCH", "/api/v1/namespaces/scale/pods/game-" + std::to_string(target),
              R"({"metadata":{"annotations":{"round":")" + std::to_string(i) + "\"}}}",
              "application/merge-patch+json");
  }
  const bool converged = wait_converged(informer, "scale", 30s);
  const double watch_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - watch_start).count();
  informer.stop();

  std::printf(
      "scale: %d pods (created in %.2f s); informer synced in %.3f s (%d pages of %d); cache DOM "
      "%.0f B/object",
      pods, create_s, sync_s, (pods + cfg.page_size - 1) / cfg.page_size, cfg.page_size,
      dom_per_object);
  if (kHeapFiguresMeaningful) std::printf(", process heap growth %.0f B/object", heap_per_object);
  std::printf("; %d watched updates applied in %.3f s\n", updates, watch_s);
  RecordProperty("sync_ms", static_cast<int>(sync_s * 1000));
  RecordProperty("dom_bytes_per_object", static_cast<int>(dom_per_object));

  EXPECT_TRUE(converged) << "watched updates did not all reach the cache";
  EXPECT_LT(dom_per_object, 8192) << "per-object pools must stay near the object's own size";
}

}  // namespace
}  // namespace trove::kube::testing
