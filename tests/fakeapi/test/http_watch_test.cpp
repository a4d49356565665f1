// Over real sockets: chunked watches (events, bookmarks, timeouts, 410s,
// Tables), fault injection, the control endpoints and HTTP-level limits.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "api_fixture.hpp"
#include "test_client.hpp"

namespace trove::fakeapi::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPods = "/api/v1/namespaces/default/pods";

std::string pod(const std::string& name) {
  return R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name +
         R"(","labels":{"app":"x"}}})";
}

class HttpWatch : public ::testing::Test {
 protected:
  static ServerOptions options() {
    ServerOptions o;
    o.bookmark_interval = 100ms;
    o.event_log_capacity = 50;
    return o;
  }
  void SetUp() override { server.start(); }
  HttpResult post(const std::string& target, const std::string& body) {
    RequestOptions o;
    o.method = "POST";
    o.body = body;
    return http_request(server.port(), target, o);
  }
  std::string create_pod(const std::string& name) {
    auto r = server.request("POST", kPods, pod(name));
    EXPECT_EQ(r.status, 201) << r.body;
    return at(r.body, "/metadata/resourceVersion");
  }
  FakeApiServer server{options()};
};

TEST_F(HttpWatch, StreamsEventsFromAResourceVersion) {
  std::string rv = create_pod("a");
  WatchReader watch(server.port(), std::string(kPods) + "?watch=true&resourceVersion=" + rv);
  ASSERT_EQ(watch.status(), 200);
  create_pod("b");
  server.request("PATCH", std::string(kPods) + "/b", R"({"metadata":{"labels":{"v":"2"}}})",
                 "application/merge-patch+json");
  server.request("DELETE", std::string(kPods) + "/b");
  auto added = watch.next_line(2s);
  ASSERT_TRUE(added);
  EXPECT_EQ(at(*added, "/type"), "ADDED");
  EXPECT_EQ(at(*added, "/object/metadata/name"), "b");
  auto modified = watch.next_line(2s);
  ASSERT_TRUE(modified);
  EXPECT_EQ(at(*modified, "/type"), "MODIFIED");
  auto deleted = watch.next_line(2s);
  ASSERT_TRUE(deleted);
  EXPECT_EQ(at(*deleted, "/type"), "DELETED");
  EXPECT_GT(std::stoull(at(*deleted, "/object/metadata/resourceVersion")),
            std::stoull(at(*modified, "/object/metadata/resourceVersion")));
}

TEST_F(HttpWatch, WithoutResourceVersionStartsWithSyntheticAdds) {
  create_pod("a");
  create_pod("b");
  WatchReader watch(server.port(), std::string(kPods) + "?watch=1");
  EXPECT_EQ(at(*watch.next_line(2s), "/type"), "ADDED");
  EXPECT_EQ(at(*watch.next_line(2s), "/object/metadata/name"), "b");
}

TEST_F(HttpWatch, BookmarksOnlyWhenAsked) {
  std::string rv = create_pod("a");
  WatchReader plain(server.port(), std::string(kPods) + "?watch=true&resourceVersion=" + rv);
  EXPECT_FALSE(plain.next_line(400ms)) << "no bookmarks unless allowWatchBookmarks=true";
  WatchReader watch(
      server.port(),
      std::string(kPods) + "?watch=true&allowWatchBookmarks=true&resourceVersion=" + rv);
  auto line = watch.next_line(2s);
  ASSERT_TRUE(line);
  EXPECT_EQ(at(*line, "/type"), "BOOKMARK");
  EXPECT_EQ(at(*line, "/object/kind"), "Pod");
  EXPECT_EQ(at(*line, "/object/metadata/resourceVersion"), rv);
  EXPECT_EQ(at(*line, "/object/spec"), "<absent>")
      << "bookmarks carry only kind, apiVersion, resourceVersion";
}

TEST_F(HttpWatch, TimeoutSecondsEndsTheStream) {
  WatchReader watch(server.port(), std::string(kPods) + "?watch=true&timeoutSeconds=1");
  auto start = std::chrono::steady_clock::now();
  while (!watch.ended() && std::chrono::steady_clock::now() - start < 5s)
    watch.next_line(200ms);
  EXPECT_TRUE(watch.ended());
  EXPECT_GE(std::chrono::steady_clock::now() - start, 900ms);
}

TEST_F(HttpWatch, SelectorsDecideAddAndDeleteAsSeenByTheWatch) {
  std::string rv = create_pod("a");
  WatchReader watch(
      server.port(),
      std::string(kPods) + "?watch=true&labelSelector=tier%3Dfront&resourceVersion=" + rv);
  server.request("PATCH", std::string(kPods) + "/a", R"({"metadata":{"labels":{"tier":"front"}}})",
                 "application/merge-patch+json");
  server.request("PATCH", std::string(kPods) + "/a", R"({"metadata":{"labels":{"tier":"back"}}})",
                 "application/merge-patch+json");
  EXPECT_EQ(at(*watch.next_line(2s), "/type"), "ADDED") << "entering the selection";
  EXPECT_EQ(at(*watch.next_line(2s), "/type"), "DELETED") << "leaving the selection";
}

TEST_F(HttpWatch, TooOldResourceVersionIs410InStreamOrAsStatus) {
  std::string old_rv = create_pod("a");
  server.expire_resource_versions();
  WatchReader in_stream(server.port(), std::string(kPods) + "?watch=true&resourceVersion=" +
                                           std::to_string(std::stoull(old_rv) - 1));
  EXPECT_EQ(in_stream.status(), 200);
  auto error = in_stream.next_line(2s);
  ASSERT_TRUE(error);
  EXPECT_EQ(at(*error, "/type"), "ERROR");
  EXPECT_EQ(at(*error, "/object/code"), "410");
  EXPECT_EQ(at(*error, "/object/reason"), "Expired");
  EXPECT_FALSE(in_stream.next_line(1s));
  EXPECT_TRUE(in_stream.ended()) << "the stream ends after an ERROR";

  ASSERT_EQ(server.faults().apply_json(R"({"watch":{"expiredAsHttpStatus":true}})"), "");
  WatchReader as_status(server.port(), std::string(kPods) + "?watch=true&resourceVersion=1");
  EXPECT_EQ(as_status.status(), 410);
  EXPECT_EQ(at(as_status.body(), "/reason"), "Expired");
}

TEST_F(HttpWatch, HistoryIsBounded) {
  std::string first = create_pod("p0");
  for (int i = 1; i < 60; ++i)
    create_pod("p" + std::to_string(i));
  WatchReader watch(server.port(), std::string(kPods) + "?watch=true&resourceVersion=" + first);
  EXPECT_EQ(at(*watch.next_line(2s), "/object/code"), "410") << "50 events kept, 59 happened";
}

TEST_F(HttpWatch, ExpireSendsOpenWatchesA410) {
  std::string rv = create_pod("a");
  WatchReader watch(server.port(), std::string(kPods) + "?watch=true&resourceVersion=" + rv);
  auto r = post("/_fake/expire", "");
  ASSERT_EQ(r.status, 200) << r.body;
  auto line = watch.next_line(2s);
  ASSERT_TRUE(line);
  EXPECT_EQ(at(*line, "/object/code"), "410");
  RequestOptions list_options;
  ASSERT_EQ(server.faults().apply_json(R"({"expireLists":true})"), "");
  std::string older = std::to_string(std::stoull(rv) - 1);
  EXPECT_EQ(http_request(server.port(), std::string(kPods) + "?resourceVersion=" + older).status,
            410);
  EXPECT_EQ(http_request(server.port(), std::string(kPods) + "?resourceVersion=" + rv).status, 200)
      << "the compaction point itself is still servable";
  EXPECT_EQ(http_request(server.port(), std::string(kPods) + "?resourceVersion=0").status, 200);
  EXPECT_EQ(http_request(server.port(), kPods).status, 200);
}

TEST_F(HttpWatch, CloseAfterEventsAndCloseWatches) {
  std::string rv = create_pod("a");
  server.faults().set_watch_faults({.close_after_events = 2});
  WatchReader watch(server.port(), std::string(kPods) + "?watch=true&resourceVersion=" + rv);
  for (const char* n : {"b", "c", "d"})
    create_pod(n);
  EXPECT_EQ(at(*watch.next_line(2s), "/object/metadata/name"), "b");
  EXPECT_EQ(at(*watch.next_line(2s), "/object/metadata/name"), "c");
  EXPECT_FALSE(watch.next_line(1s));
  EXPECT_TRUE(watch.ended());
  server.faults().clear();
  WatchReader second(server.port(), std::string(kPods) + "?watch=true&resourceVersion=" + rv);
  server.close_all_watches();
  while (second.next_line(1s)) {
  }
  EXPECT_TRUE(second.ended());
}

TEST_F(HttpWatch, CloseAfterMsEndsWatchesEarly) {
  ASSERT_EQ(server.faults().apply_json(R"({"watch":{"closeAfterMs":200}})"), "");
  WatchReader watch(server.port(), std::string(kPods) + "?watch=true&timeoutSeconds=60");
  auto start = std::chrono::steady_clock::now();
  while (!watch.ended() && std::chrono::steady_clock::now() - start < 3s)
    watch.next_line(100ms);
  EXPECT_TRUE(watch.ended());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST_F(HttpWatch, SendInitialEventsEndsWithTheInitialEventsBookmark) {
  create_pod("a");
  WatchReader watch(server.port(), std::string(kPods) +
                                       "?watch=true&sendInitialEvents=true&allowWatchBookmarks=true"
                                       "&resourceVersionMatch=NotOlderThan");
  EXPECT_EQ(at(*watch.next_line(2s), "/type"), "ADDED");
  auto bookmark = watch.next_line(2s);
  ASSERT_TRUE(bookmark);
  EXPECT_EQ(at(*bookmark, "/type"), "BOOKMARK");
  EXPECT_EQ(at(*bookmark, "/object/metadata/annotations/k8s.io~1initial-events-end"), "true");
}

TEST_F(HttpWatch, WatchOfANamedObjectAndAFutureVersion) {
  std::string rv = create_pod("a");
  create_pod("b");
  WatchReader watch(server.port(), std::string(kPods) + "/a?watch=true&resourceVersion=" + rv);
  server.request("DELETE", std::string(kPods) + "/b");
  server.request("DELETE", std::string(kPods) + "/a");
  auto line = watch.next_line(2s);
  ASSERT_TRUE(line);
  EXPECT_EQ(at(*line, "/object/metadata/name"), "a") << "only the named object";
  WatchReader future(server.port(), std::string(kPods) + "?watch=true&resourceVersion=999999");
  EXPECT_EQ(future.status(), 504);
  WatchReader bad(server.port(), std::string(kPods) + "?watch=true&resourceVersion=abc");
  EXPECT_EQ(bad.status(), 400);
}

TEST_F(HttpWatch, DeleteCollectionBySelector) {
  create_pod("a");
  server.request(
      "POST", kPods,
      R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"keep","labels":{"app":"y"}}})");
  auto r = server.request("DELETE", std::string(kPods) + "?labelSelector=app%3Dx");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(at(r.body, "/items/0/metadata/name"), "a");
  EXPECT_EQ(server.request("GET", std::string(kPods) + "/a").status, 404);
  EXPECT_EQ(server.request("GET", std::string(kPods) + "/keep").status, 200);
}

TEST_F(HttpWatch, SilentWatchesSendNothingAndStayOpen) {
  std::string rv = create_pod("a");
  ASSERT_EQ(server.faults().apply_json(R"({"watch":{"silent":true}})"), "");
  WatchReader watch(
      server.port(),
      std::string(kPods) +
          "?watch=true&allowWatchBookmarks=true&timeoutSeconds=1&resourceVersion=" + rv);
  create_pod("b");
  EXPECT_FALSE(watch.next_line(1500ms));
  EXPECT_FALSE(watch.ended()) << "a silent watch does not even close at its timeout";
  EXPECT_EQ(server.stats().active_watches, 1u);
}

TEST_F(HttpWatch, TableEventsCarryColumnsOnce) {
  ASSERT_EQ(
      server.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", kHuntCrd)
          .status,
      201);
  WatchReader watch(server.port(), std::string(kHunts) + "?watch=true",
                    "application/json;as=Table;v=v1;g=meta.k8s.io");
  server.request("POST", kHunts, hunt("a", 1));
  server.request("POST", kHunts, hunt("b", 2));
  auto first = watch.next_line(2s);
  ASSERT_TRUE(first);
  EXPECT_EQ(at(*first, "/object/kind"), "Table");
  EXPECT_EQ(at(*first, "/object/columnDefinitions/1/name"), "Boxes");
  EXPECT_EQ(at(*first, "/object/rows/0/cells/1"), "1");
  auto second = watch.next_line(2s);
  ASSERT_TRUE(second);
  EXPECT_EQ(at(*second, "/object/columnDefinitions"), "null");
  EXPECT_EQ(at(*second, "/object/rows/0/cells/0"), "b");
}

TEST_F(HttpWatch, RequestFaultsWithCountAndRetryAfter) {
  ASSERT_EQ(
      server.faults().apply_json(
          R"({"requests":[{"verb":"list","resource":"pods","status":429,"retryAfterSeconds":3,"count":2}]})"),
      "");
  auto first = http_request(server.port(), kPods);
  EXPECT_EQ(first.status, 429);
  EXPECT_EQ(first.headers["retry-after"], "3");
  EXPECT_EQ(at(first.body, "/reason"), "TooManyRequests");
  EXPECT_EQ(http_request(server.port(), kPods).status, 429);
  EXPECT_EQ(http_request(server.port(), kPods).status, 200) << "count ran out";
  EXPECT_EQ(http_request(server.port(), "/api/v1/namespaces/default/configmaps").status, 200)
      << "other resources untouched";
  server.faults().add_request_fault({.verb = "watch", .resource = "", .status = 500});
  WatchReader watch(server.port(), std::string(kPods) + "?watch=true");
  EXPECT_EQ(watch.status(), 500);
  server.faults().add_request_fault(
      {.verb = "create", .resource = "pods", .status = 409, .count = 1});
  EXPECT_EQ(post(kPods, pod("z")).status, 409);
  EXPECT_EQ(post(kPods, pod("z")).status, 201);
  EXPECT_EQ(server.stats().faults_injected, 4u);
}

TEST_F(HttpWatch, FractionZeroNeverFiresAndLatencyDelays) {
  server.faults().add_request_fault({.verb = "", .resource = "", .status = 500, .fraction = 0.0});
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(http_request(server.port(), kPods).status, 200);
  server.faults().clear();
  server.faults().set_latency(300ms);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(http_request(server.port(), kPods).status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 290ms);
}

TEST_F(HttpWatch, StatsCountRequestsByVerb) {
  server.reset_stats();
  http_request(server.port(), kPods);
  http_request(server.port(), kPods + std::string("/missing"));
  { WatchReader w(server.port(), std::string(kPods) + "?watch=true&timeoutSeconds=1"); }
  auto stats = http_request(server.port(), "/_fake/stats");
  EXPECT_EQ(at(stats.body, "/requests/list"), "1");
  EXPECT_EQ(at(stats.body, "/requests/get"), "1");
  EXPECT_EQ(at(stats.body, "/requests/watch"), "1");
  EXPECT_EQ(at(stats.body, "/requestsByResource/list pods"), "1");
  EXPECT_EQ(at(stats.body, "/watchesOpened"), "1");
  EXPECT_EQ(at(stats.body, "/lists"), "1");
}

TEST_F(HttpWatch, ControlEndpointsRefuseHostileInput) {
  for (const char* body :
       {"{", "[]", R"({"latencyMs":-1})", R"({"latencyMs":"5"})", R"({"bogus":1})",
        R"({"requests":[{"status":200}]})", R"({"requests":[{"fraction":2}]})",
        R"({"requests":{}})", R"({"watch":{"silent":"yes"}})"}) {
    auto r = post("/_fake/faults", body);
    EXPECT_EQ(r.status, 400) << body;
  }
  EXPECT_EQ(at(http_request(server.port(), "/_fake/faults").body, "/latencyMs"), "0")
      << "nothing applied";
  EXPECT_EQ(http_request(server.port(), "/_fake/nope").status, 404);
  RequestOptions get_faults_via_delete;
  get_faults_via_delete.method = "PUT";
  EXPECT_EQ(http_request(server.port(), "/_fake/faults", get_faults_via_delete).status, 405);
  EXPECT_NE(http_request(server.port(), "/_fake/help").body.find("/_fake/faults"),
            std::string::npos);
  auto ok = post("/_fake/faults", R"({"latencyMs":5,"requests":[{"verb":"get","status":503}]})");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(at(ok.body, "/requests/0/status"), "503");
  RequestOptions clear;
  clear.method = "DELETE";
  EXPECT_EQ(http_request(server.port(), "/_fake/faults", clear).status, 200);
  EXPECT_EQ(server.faults().latency(), 0ms);
}

TEST_F(HttpWatch, OversizedAndMalformedRequests) {
  // The server answers as soon as it sees the length, before the body.
  std::string big =
      raw_exchange(server.port(), std::string("POST ") + kPods +
                                      " HTTP/1.1\r\nHost: x\r\nContent-Length: 4194304\r\n\r\n");
  EXPECT_EQ(big.rfind("HTTP/1.1 413", 0), 0u) << big;
  std::string huge_header = raw_exchange(
      server.port(), "GET /version HTTP/1.1\r\nX-Big: " + std::string(70000, 'a') + "\r\n\r\n");
  EXPECT_EQ(huge_header.rfind("HTTP/1.1 400", 0), 0u);
  std::string garbage = raw_exchange(server.port(), "NOT HTTP AT ALL\r\n\r\n");
  EXPECT_EQ(garbage, "") << "malformed HTTP is dropped";
  EXPECT_EQ(http_request(server.port(), "/api/v1/namespaces/default/pods/%zz").status, 400);
  EXPECT_EQ(http_request(server.port(), "/api/v1/namespaces/default/pods/a/b/c/d").status, 404);
  EXPECT_EQ(http_request(server.port(), "/apis/../../etc/passwd").status, 404);
}

TEST(HttpsServer, BearerTokensAreCheckedAndRotate) {
  auto dir = std::filesystem::temp_directory_path() / ("fakeapi-tls-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto token = dir / "token";
  std::ofstream(token) << "first\n";
  ServerOptions options;
  options.tls = true;
  options.token_file = token;
  FakeApiServer server(options);
  server.start();
  ASSERT_TRUE(std::filesystem::exists(server.ca_file()));
  EXPECT_EQ(server.url().rfind("https://127.0.0.1:", 0), 0u);
  RequestOptions o;
  o.ca_file = server.ca_file();
  EXPECT_EQ(http_request(server.port(), "/api/v1/pods", o).status, 401) << "no token";
  o.bearer = "wrong";
  EXPECT_EQ(http_request(server.port(), "/api/v1/pods", o).status, 401);
  o.bearer = "first";
  EXPECT_EQ(http_request(server.port(), "/api/v1/pods", o).status, 200);
  std::ofstream(token, std::ios::trunc) << "second-token\n";
  EXPECT_EQ(http_request(server.port(), "/api/v1/pods", o).status, 401)
      << "the old token stops working";
  o.bearer = "second-token";
  EXPECT_EQ(http_request(server.port(), "/api/v1/pods", o).status, 200);
  EXPECT_EQ(server.stats().unauthorized, 3u);
  auto kubeconfig = dir / "kubeconfig";
  server.write_kubeconfig(kubeconfig);
  std::ifstream in(kubeconfig);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("certificate-authority: " + server.ca_file().string()), std::string::npos);
  EXPECT_NE(text.find("tokenFile: " + token.string()), std::string::npos);
  server.stop();
  std::filesystem::remove_all(dir);
}

TEST(HttpsServer, StopEndsOpenWatchesAndIsIdempotent) {
  FakeApiServer server;
  server.start();
  WatchReader watch(server.port(), "/api/v1/pods?watch=true");
  server.stop();
  server.stop();
  while (watch.next_line(500ms)) {
  }
  EXPECT_TRUE(watch.ended());
}

}  // namespace
}  // namespace trove::fakeapi::testing
