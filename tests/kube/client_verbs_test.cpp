// Every verb of the client against the fake API server over HTTP.
#include <gtest/gtest.h>

#include "fake_fixture.hpp"
#include "kube/errors.hpp"
#include "slow_factor.hpp"

namespace trove::kube::testing {
namespace {

using namespace std::chrono_literals;

class ClientVerbs : public FakeApiTest {};

ErrorKind kind_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ApiError& e) {
    return e.kind();
  }
  ADD_FAILURE() << "no ApiError thrown";
  return ErrorKind::kTransport;
}

TEST_F(ClientVerbs, CreateGetAndTypedNotFoundAndAlreadyExists) {
  auto client = make_client();
  KubeObject created = client->create(pods_type(), "default", pod_json("p1"));
  EXPECT_EQ(created.name(), "p1");
  EXPECT_FALSE(created.uid().empty()) << "server sets uid";
  EXPECT_FALSE(created.resource_version().empty());
  KubeObject got = client->get(pods_type(), "default", "p1");
  EXPECT_EQ(got.uid(), created.uid());
  EXPECT_EQ(kind_of([&] { client->get(pods_type(), "default", "nope"); }), ErrorKind::kNotFound);
  EXPECT_EQ(kind_of([&] { client->create(pods_type(), "default", pod_json("p1")); }),
            ErrorKind::kAlreadyExists);
}

TEST_F(ClientVerbs, ListWithSelectorsAndPaging) {
  auto client = make_client();
  for (int i = 0; i < 7; ++i)
    client->create(pods_type(), "default",
                   pod_json("p" + std::to_string(i), "default", i % 2 ? "odd" : "even"));
  ListOptions by_label;
  by_label.label_selector = "app=odd";
  EXPECT_EQ(client->list(pods_type(), "default", by_label).items.size(), 3u);
  ListOptions by_field;
  by_field.field_selector = "metadata.name=p4";
  auto one = client->list(pods_type(), "default", by_field);
  ASSERT_EQ(one.items.size(), 1u);
  EXPECT_EQ(one.items[0].name(), "p4");

  ListOptions paged;
  paged.limit = 3;
  auto page1 = client->list(pods_type(), "default", paged);
  EXPECT_EQ(page1.items.size(), 3u);
  EXPECT_FALSE(page1.continue_token.empty()) << "more pages remain";
  auto all = client->list_all(pods_type(), "default", paged);
  EXPECT_EQ(all.items.size(), 7u);
  std::set<std::string> names;
  for (const auto& p : all.items)
    names.insert(std::string(p.name()));
  EXPECT_EQ(names.size(), 7u) << "pages neither repeat nor skip objects";
  EXPECT_FALSE(all.resource_version.empty());
}

TEST_F(ClientVerbs, UpdateWithResourceVersionDetectsConflict) {
  auto client = make_client();
  KubeObject v1 = client->create(pods_type(), "default", pod_json("p"));
  KubeObject edit = v1.clone();
  auto& labels = edit.json_mut()["metadata"]["labels"];
  labels["app"].SetString("changed", edit.allocator());
  KubeObject v2 = client->replace(pods_type(), "default", "p", edit.to_json());
  EXPECT_NE(v2.resource_version(), v1.resource_version());
  // The same edit again carries the old resourceVersion: 409.
  EXPECT_EQ(kind_of([&] { client->replace(pods_type(), "default", "p", edit.to_json()); }),
            ErrorKind::kConflict);
}

TEST_F(ClientVerbs, MergeJsonAndServerSidePatches) {
  auto client = make_client();
  client->create(pods_type(), "default", pod_json("p"));
  auto merged = client->patch(pods_type(), "default", "p", PatchType::kMerge,
                              R"({"metadata":{"labels":{"tier":"gold"}}})");
  EXPECT_STREQ(merged.at("/metadata/labels/tier")->GetString(), "gold");
  EXPECT_STREQ(merged.at("/metadata/labels/app")->GetString(), "game") << "merge keeps the rest";

  auto patched = client->patch(pods_type(), "default", "p", PatchType::kJson,
                               R"([{"op":"replace","path":"/metadata/labels/tier","value":"x"}])");
  EXPECT_STREQ(patched.at("/metadata/labels/tier")->GetString(), "x");
  EXPECT_EQ(kind_of([&] {
              client->patch(pods_type(), "default", "p", PatchType::kJson,
                            R"([{"op":"test","path":"/metadata/labels/tier","value":"no"}])");
            }),
            ErrorKind::kInvalid)
      << "a failing JSON-patch test op is refused";

  auto applied = client->apply(pods_type(), "default", "p",
                               R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p",)"
                               R"("namespace":"default","labels":{"owner":"trove"}}})",
                               "trove-operator", /*force=*/true);
  EXPECT_STREQ(applied.at("/metadata/labels/owner")->GetString(), "trove");
  EXPECT_THROW(client->patch(pods_type(), "default", "p", PatchType::kApply, "{}"),
               std::invalid_argument)
      << "apply without a field manager is a caller bug";
}

TEST_F(ClientVerbs, ServerSideApplyCreatesMissingObject) {
  auto client = make_client();
  auto applied = client->apply(pods_type(), "default", "fresh", pod_json("fresh"), "trove", true);
  EXPECT_EQ(applied.name(), "fresh");
  EXPECT_EQ(client->get(pods_type(), "default", "fresh").uid(), applied.uid());
}

TEST_F(ClientVerbs, StatusSubresourceWritesOnlyStatus) {
  auto client = make_client();
  client->create(pods_type(), "default", pod_json("p"));
  WriteOptions status;
  status.subresource = "status";
  auto s = client->patch(pods_type(), "default", "p", PatchType::kMerge,
                         R"({"status":{"phase":"Running"},"metadata":{"labels":{"app":"hacked"}}})",
                         status);
  EXPECT_STREQ(s.at("/status/phase")->GetString(), "Running");
  EXPECT_STREQ(s.at("/metadata/labels/app")->GetString(), "game")
      << "a /status write must not change metadata or spec";
  auto main = client->patch(pods_type(), "default", "p", PatchType::kMerge,
                            R"({"metadata":{"labels":{"x":"y"}},"status":{"phase":"Failed"}})");
  EXPECT_STREQ(main.at("/status/phase")->GetString(), "Running")
      << "a main-resource write keeps .status";
  auto got = client->get(pods_type(), "default", "p", "status");
  EXPECT_STREQ(got.at("/status/phase")->GetString(), "Running");
}

TEST_F(ClientVerbs, DeleteWithAndWithoutFinalizer) {
  auto client = make_client();
  client->create(pods_type(), "default", pod_json("plain"));
  KubeObject gone = client->remove(pods_type(), "default", "plain");
  EXPECT_FALSE(gone.is_null());
  EXPECT_EQ(kind_of([&] { client->get(pods_type(), "default", "plain"); }), ErrorKind::kNotFound);
  EXPECT_EQ(kind_of([&] { client->remove(pods_type(), "default", "plain"); }),
            ErrorKind::kNotFound);

  client->create(
      pods_type(), "default",
      R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"held","namespace":"default",)"
      R"("finalizers":["trove.dev/cleanup"]},"spec":{"containers":[]}})");
  client->remove(pods_type(), "default", "held");
  KubeObject held = client->get(pods_type(), "default", "held");
  EXPECT_NE(held.at("/metadata/deletionTimestamp"), nullptr) << "finalizer keeps the object";
  client->patch(pods_type(), "default", "held", PatchType::kMerge,
                R"({"metadata":{"finalizers":null}})");
  EXPECT_EQ(kind_of([&] { client->get(pods_type(), "default", "held"); }), ErrorKind::kNotFound);
}

TEST_F(ClientVerbs, DeletePreconditionOnResourceVersion) {
  auto client = make_client();
  client->create(pods_type(), "default", pod_json("p"));
  DeleteOptions stale;
  stale.precondition_resource_version = "1";
  EXPECT_EQ(kind_of([&] { client->remove(pods_type(), "default", "p", stale); }),
            ErrorKind::kConflict);
}

TEST_F(ClientVerbs, WatchStreamsAddModifyDeleteAndBookmarks) {
  auto client = make_client();
  auto list = client->list(pods_type(), "default");
  WatchOptions o;
  o.resource_version = list.resource_version;
  o.timeout_seconds = 5;
  o.idle_timeout = 2s;
  auto watch = client->watch(pods_type(), "default", o);
  client->create(pods_type(), "default", pod_json("w"));
  client->patch(pods_type(), "default", "w", PatchType::kMerge,
                R"({"metadata":{"labels":{"v":"2"}}})");
  client->remove(pods_type(), "default", "w");
  std::vector<WatchEventType> types;
  bool bookmark = false;
  while (types.size() < 3) {
    auto e = watch->next();
    ASSERT_TRUE(e) << "watch ended early";
    if (e->type == WatchEventType::kBookmark) {
      bookmark = true;
      continue;
    }
    EXPECT_EQ(e->object.name(), "w");
    types.push_back(e->type);
  }
  EXPECT_EQ(types, (std::vector<WatchEventType>{WatchEventType::kAdded, WatchEventType::kModified,
                                                WatchEventType::kDeleted}));
  // Bookmarks arrive every 100 ms on this fake.
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  while (!bookmark && std::chrono::steady_clock::now() < deadline) {
    auto e = watch->next();
    ASSERT_TRUE(e);
    bookmark = e->type == WatchEventType::kBookmark;
  }
  EXPECT_TRUE(bookmark);
}

TEST_F(ClientVerbs, WatchEndsAtServerTimeout) {
  auto client = make_client();
  WatchOptions o;
  o.timeout_seconds = 1;
  o.allow_bookmarks = false;
  // Under the idle timeout: an end before it is the server's timeoutSeconds.
  o.idle_timeout = test_support::scaled(3s);
  auto watch = client->watch(pods_type(), "default", o);
  const auto start = std::chrono::steady_clock::now();
  while (watch->next()) {
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, test_support::scaled(2900ms))
      << "ended by timeoutSeconds";
}

TEST_F(ClientVerbs, CancelUnblocksAWatch) {
  auto client = make_client();
  WatchOptions o;
  o.allow_bookmarks = false;
  o.idle_timeout = 10s;
  auto watch = client->watch(pods_type(), "default", o);
  std::thread canceller([&] {
    std::this_thread::sleep_for(100ms);
    watch->cancel();
  });
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(watch->next(), ApiError);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  canceller.join();
}

TEST_F(ClientVerbs, SilentWatchHitsIdleTimer) {
  auto client = make_client();
  fakeapi::WatchFaults silent;
  silent.silent = true;
  server_->faults().set_watch_faults(silent);
  WatchOptions o;
  o.idle_timeout = 300ms;
  const auto start = std::chrono::steady_clock::now();
  try {
    auto watch = client->watch(pods_type(), "default", o);
    watch->next();
    ADD_FAILURE() << "a silent watch returned an event";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kTransport);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  server_->faults().clear();
}

TEST_F(ClientVerbs, TooManyRequestsHonoursRetryAfter) {
  auto client = make_client();
  client->create(pods_type(), "default", pod_json("p"));
  fakeapi::RequestFault f;
  f.verb = "get";
  f.status = 429;
  f.retry_after_seconds = 1;
  f.count = 1;
  server_->faults().add_request_fault(f);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(client->get(pods_type(), "default", "p").name(), "p");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 950ms) << "waited for Retry-After";
  EXPECT_EQ(server_->stats().faults_injected, 1u);
}

TEST_F(ClientVerbs, TooManyRequestsSurfacesWhenRetriesAreExhausted) {
  ClientOptions o = fast_client_options();
  o.max_throttle_retries = 0;
  auto client = make_client(o);
  fakeapi::RequestFault f;
  f.verb = "list";
  f.status = 429;
  f.retry_after_seconds = 4;
  f.count = 1;
  server_->faults().add_request_fault(f);
  try {
    client->list(pods_type(), "default");
    ADD_FAILURE();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kTooManyRequests);
    EXPECT_EQ(e.retry_after(), 4s);
  }
}

TEST_F(ClientVerbs, ServerErrorsAndForbiddenAreTyped) {
  auto client = make_client();
  fakeapi::RequestFault f;
  f.verb = "get";
  f.status = 500;
  f.retry_after_seconds = 0;
  f.count = 1;
  server_->faults().add_request_fault(f);
  EXPECT_EQ(kind_of([&] { client->get(pods_type(), "default", "x"); }), ErrorKind::kServerError);
  f.status = 403;
  server_->faults().add_request_fault(f);
  EXPECT_EQ(kind_of([&] { client->get(pods_type(), "default", "x"); }), ErrorKind::kForbidden);
}

TEST_F(ClientVerbs, ClientSideRateLimitSpacesRequests) {
  ClientOptions o = fast_client_options();
  o.qps = 50;
  o.burst = 1;
  auto client = make_client(o);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 11; ++i)
    client->list(pods_type(), "default");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 190ms) << "10 waits of 20 ms at 50 qps";
}

TEST_F(ClientVerbs, OversizedAnswerIsRefused) {
  for (int i = 0; i < 5; ++i)
    direct_ok("POST", "/api/v1/namespaces/default/pods", pod_json("big-" + std::to_string(i)));
  ClientOptions o = fast_client_options();
  o.transport.max_body_bytes = 512;  // far below five pods
  auto client = make_client(o);
  EXPECT_EQ(kind_of([&] { client->list(pods_type(), "default"); }), ErrorKind::kTransport);
  EXPECT_NO_THROW(client->get(pods_type(), "default", "big-0")) << "small answers still pass";
}

TEST_F(ClientVerbs, KeepAliveReusesConnections) {
  auto client = make_client();
  for (int i = 0; i < 20; ++i)
    client->list(pods_type(), "default");
  EXPECT_EQ(client->requests_sent(), 20u);
  EXPECT_EQ(client->connections_opened(), 1u) << "sequential requests share one connection";
}

TEST_F(ClientVerbs, ConnectionRefusedIsTransportError) {
  ClientConfig cfg = load_kubeconfig_file(kubeconfig_.string());
  server_->stop();
  Client client(cfg, fast_client_options());
  EXPECT_EQ(kind_of([&] { client.list(pods_type(), "default"); }), ErrorKind::kTransport);
}

}  // namespace
}  // namespace trove::kube::testing
