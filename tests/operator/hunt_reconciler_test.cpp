// HuntReconciler::reconcile against fake sidecars (common::AdminHttpServer on
// loopback ports) and the in-process fake API server (status writes): hunts
// and pods go straight into informer stores, so no informer runs.
#include "controller/hunt_reconciler.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "controller/hunt_events.hpp"
#include "kube/config.hpp"
#include "trove/common/admin_http_server.hpp"
#include "trove/common/route_table.hpp"
#include "trove/fakeapi/fake_api_server.hpp"

namespace trove::controller {
namespace {

namespace fs = std::filesystem;

// A sidecar's admin API: reports a 1 MiB arena, accepts any tuning PUT (not
// marked as mutating: every mutating route needs a token, and these tests
// are about events, not authentication).
class FakeSidecar {
 public:
  FakeSidecar() {
    routes_.add({"GET", "/admin/v1/stats", false, false, "stats", [](const common::HttpRequest&) {
                   return common::HttpResponse::json(
                       200, R"({"tuning":{"arenaBytes":1048576,"epochMillis":16,"generation":1}})");
                 }});
    routes_.add(
        {"PUT", "/admin/v1/tuning", false, false, "tuning",
         [](const common::HttpRequest& r) { return common::HttpResponse::json(200, r.body); }});
    server_ = std::make_unique<common::AdminHttpServer>(common::AdminHttpServerOptions{}, routes_);
    server_->start();
  }
  std::uint16_t port() const { return server_->port(); }

 private:
  common::RouteTable routes_;
  std::unique_ptr<common::AdminHttpServer> server_;
};

struct RecordedEvent {
  std::string type;
  std::string reason;
  std::string message;
};

std::string hunt_json(const std::string& name, int generation = 1) {
  return R"({"apiVersion":"trove.dev/v1alpha1","kind":"TreasureHunt","metadata":{"name":")" + name +
         R"(","namespace":"ns","uid":"hunt-uid","generation":)" + std::to_string(generation) +
         R"(,
            "creationTimestamp":"2026-01-01T00:00:00Z"},
            "spec":{"selector":{"matchLabels":{"app":"g"}},"arena":{"sizeMiB":64}}})";
}

std::string pod_json(const std::string& name, std::uint16_t admin_port) {
  return R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name +
         R"(","namespace":"ns","uid":"uid-)" + name +
         R"(","labels":{"app":"g","trove.dev/sidecar":"true"},
            "annotations":{"trove.dev/admin-port":")" +
         std::to_string(admin_port) + R"("}},
            "status":{"podIP":"127.0.0.1","phase":"Running",
                      "conditions":[{"type":"Ready","status":"True"}]}})";
}

kube::ObjectPtr object(const std::string& json) {
  return std::make_shared<const kube::KubeObject>(kube::KubeObject::parse(json));
}

class HuntReconcilerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    api_.start();
    kubeconfig_ = fs::temp_directory_path() /
                  ("trove-reconciler-" + std::to_string(::getpid()) + ".kubeconfig");
    api_.write_kubeconfig(kubeconfig_);
    client_ = std::make_unique<kube::Client>(kube::load_kubeconfig_file(kubeconfig_.string()));
    hunts_.upsert(object(hunt_json("h")));
  }
  void TearDown() override {
    api_.stop();
    std::error_code ec;
    fs::remove(kubeconfig_, ec);
  }

  void add_pods(std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
      sidecars_.push_back(std::make_unique<FakeSidecar>());
      pods_.upsert(object(pod_json("p" + std::to_string(i), sidecars_.back()->port())));
    }
  }

  std::vector<RecordedEvent> reconcile_once(ReconcilerOptions options) {
    std::vector<RecordedEvent> events;
    std::mutex mutex;
    HuntReconciler reconciler(
        *client_, StoreSet({&hunts_}), StoreSet({&pods_}),
        [&](const kube::KubeObject&, const std::string& type, const std::string& reason,
            const std::string& message) {
          std::lock_guard lock(mutex);
          events.push_back({type, reason, message});
        },
        nullptr, options);
    reconciler.reconcile("ns/h");
    return events;
  }

  fakeapi::FakeApiServer api_;
  fs::path kubeconfig_;
  std::unique_ptr<kube::Client> client_;
  kube::Store hunts_;
  kube::Store pods_;
  std::vector<std::unique_ptr<FakeSidecar>> sidecars_;
};

TEST_F(HuntReconcilerTest, EachTunedPodGetsItsOwnEventUpToTheLimit) {
  add_pods(2);
  const auto events = reconcile_once({});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].reason, "Tuned");
  EXPECT_EQ(events[0].message.rfind("pod p0: 64 MiB", 0), 0u) << events[0].message;
  EXPECT_EQ(events[1].message.rfind("pod p1: 64 MiB", 0), 0u) << events[1].message;
}

// More tuned pods than the event limit, but fewer than the summary names:
// the summary names each tuned pod once and reads nothing past them.
TEST_F(HuntReconcilerTest, SummaryOfTwoPodsNamesBoth) {
  add_pods(2);
  ReconcilerOptions options;
  options.max_events_per_reconcile = 1;
  const auto events = reconcile_once(options);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].reason, "Tuned");
  EXPECT_EQ(events[0].message.rfind("tuned 2 pods (p0, p1); first: pod p0: 64 MiB", 0), 0u)
      << events[0].message;
}

TEST_F(HuntReconcilerTest, SummaryOfThreePodsNamesAllThree) {
  add_pods(3);
  ReconcilerOptions options;
  options.max_events_per_reconcile = 2;
  const auto events = reconcile_once(options);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].message.rfind("tuned 3 pods (p0, p1, p2); first: pod p0: 64 MiB", 0), 0u)
      << events[0].message;
}

TEST_F(HuntReconcilerTest, SummaryAboveFiveNamesListsTheFirstFive) {
  add_pods(7);
  ReconcilerOptions options;
  options.max_events_per_reconcile = 2;
  const auto events = reconcile_once(options);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].message.rfind("tuned 7 pods (p0, p1, p2, p3, p4, ...); first: pod p0", 0), 0u)
      << events[0].message;
}

TEST_F(HuntReconcilerTest, HuntEventsQueueTheNamespaceUnlessOnlyTheStatusChanged) {
  hunts_.upsert(object(hunt_json("other")));
  HuntReconciler reconciler(*client_, StoreSet({&hunts_}), StoreSet({&pods_}), {}, nullptr, {});
  const kube::EventMapping m = hunt_event_mapping(reconciler);
  const auto v1 = object(hunt_json("h", 1));
  const auto v2 = object(hunt_json("h", 2));
  const auto keys = m.on_add(v1);
  EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()),
            (std::set<std::string>{"ns/h", "ns/other"}));
  EXPECT_TRUE(m.on_update(v1, v1).empty()) << "same generation: a status write";
  EXPECT_FALSE(m.on_update(v1, v2).empty());
}

TEST_F(HuntReconcilerTest, PodEventsQueueTheHuntsSelectingThePod) {
  HuntReconciler reconciler(*client_, StoreSet({&hunts_}), StoreSet({&pods_}), {}, nullptr, {});
  const kube::EventMapping m = pod_event_mapping(reconciler);
  const auto p = object(pod_json("p0", 9090));
  EXPECT_EQ(m.on_add(p), std::vector<std::string>{"ns/h"});
  EXPECT_TRUE(m.on_update(p, p).empty()) << "nothing a reconcile reads changed";
  const auto moved = object(pod_json("p0", 9091));
  EXPECT_EQ(m.on_update(p, moved), (std::vector<std::string>{"ns/h", "ns/h"}));
  EXPECT_EQ(m.on_delete(p), std::vector<std::string>{"ns/h"});
}

}  // namespace
}  // namespace trove::controller
