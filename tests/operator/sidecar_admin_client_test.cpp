// The sidecar admin client against real sockets: a trove_common admin
// listener stands in for the sidecar; a raw acceptor that never answers
// stands in for a hung one.
#include "controller/sidecar_admin_client.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "hostile_http_peer.hpp"
#include "trove/common/admin_http_server.hpp"
#include "trove/common/route_table.hpp"

namespace trove::controller {
namespace {

using namespace std::chrono_literals;

struct FakeSidecar {
  common::RouteTable routes{"tok"};
  std::unique_ptr<common::AdminHttpServer> server;
  FakeSidecar() {
    routes.add({"GET", "/admin/v1/stats", false, false, "stats", [](const common::HttpRequest&) {
                  return common::HttpResponse::json(200, R"({"ok":1})");
                }});
    routes.add({"PUT", "/admin/v1/tuning", true, true, "tuning", [](const common::HttpRequest& r) {
                  return common::HttpResponse::json(200, r.body);
                }});
    routes.add({"GET", "/big", false, false, "big", [](const common::HttpRequest&) {
                  return common::HttpResponse::text(200, std::string(kMaxAdminBodyBytes + 10, 'x'));
                }});
    server = std::make_unique<common::AdminHttpServer>(common::AdminHttpServerOptions{}, routes);
    server->start();
  }
  std::uint16_t port() const { return server->port(); }
};

// A listening socket nobody accepts from: connects succeed, answers never come.
struct SilentListener {
  int fd = -1;
  std::uint16_t port = 0;
  SilentListener() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    const bool listening = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                           ::listen(fd, 16) == 0 &&
                           ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
    EXPECT_TRUE(listening) << "loopback listener: errno " << errno;
    port = ntohs(a.sin_port);
  }
  ~SilentListener() { ::close(fd); }
};

TEST(SidecarAdminClient, GetsAndPutsWithTheBearerToken) {
  FakeSidecar s;
  std::vector<AdminCall> calls{
      {"127.0.0.1", s.port(), "GET", "/admin/v1/stats", "", ""},
      {"127.0.0.1", s.port(), "PUT", "/admin/v1/tuning", R"({"arenaBytes":1})", "tok"},
      {"127.0.0.1", s.port(), "PUT", "/admin/v1/tuning", R"({"arenaBytes":1})", "wrong"},
      {"127.0.0.1", s.port(), "PUT", "/admin/v1/tuning", R"({"arenaBytes":1})", ""}};
  auto r = run_admin_calls(calls, {});
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].status, 200);
  EXPECT_EQ(r[0].body, R"({"ok":1})");
  EXPECT_EQ(r[1].status, 200);
  EXPECT_EQ(r[1].body, R"({"arenaBytes":1})");
  EXPECT_EQ(r[2].status, 401);
  EXPECT_EQ(r[3].status, 401);
}

TEST(SidecarAdminClient, ManyCallsKeepTheirOrderUnderAConcurrencyLimit) {
  FakeSidecar s;
  std::vector<AdminCall> calls;
  calls.reserve(50);
  for (int i = 0; i < 50; ++i) {
    calls.push_back({"127.0.0.1", s.port(), "PUT", "/admin/v1/tuning",
                     "{\"i\":" + std::to_string(i) + "}", "tok"});
  }
  auto r = run_admin_calls(calls, {.concurrency = 4, .timeout = 2000ms});
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(r[i].status, 200) << r[i].error;
    EXPECT_EQ(r[i].body, "{\"i\":" + std::to_string(i) + "}");
  }
}

TEST(SidecarAdminClient, RefusedHungBadAndOversizedAreErrorsNamingTheTarget) {
  FakeSidecar s;
  SilentListener hung;
  const std::uint16_t closed_port = [] {
    SilentListener l;
    return l.port;
  }();  // closed again: connecting is refused
  std::vector<AdminCall> calls{{"127.0.0.1", closed_port, "GET", "/admin/v1/stats", "", ""},
                               {"127.0.0.1", hung.port, "GET", "/admin/v1/stats", "", ""},
                               {"not-an-ip", 80, "GET", "/admin/v1/stats", "", ""},
                               {"127.0.0.1", 0, "GET", "/admin/v1/stats", "", ""},
                               {"127.0.0.1", s.port(), "GET", "/big", "", ""}};
  const auto t0 = std::chrono::steady_clock::now();
  auto r = run_admin_calls(calls, {.concurrency = 8, .timeout = 300ms});
  const auto took = std::chrono::steady_clock::now() - t0;
  for (const auto& x : r) {
    EXPECT_EQ(x.status, 0);
    EXPECT_FALSE(x.error.empty());
  }
  EXPECT_NE(r[0].error.find(std::to_string(closed_port)), std::string::npos) << r[0].error;
  EXPECT_NE(r[1].error.find("read"), std::string::npos) << r[1].error;
  EXPECT_NE(r[2].error.find("bad sidecar address"), std::string::npos) << r[2].error;
  EXPECT_LT(took, 2s) << "the hung sidecar must cost one timeout, not more";
}

// A sidecar that answers with a chunk-size line that never ends: the client
// stops reading at its buffer cap instead of growing without bound.
TEST(SidecarAdminClient, EndlessChunkExtensionsAreCutOff) {
  constexpr std::size_t kOffered = 128u << 20;
  constexpr std::size_t kMostTaken = 16u << 20;  // the cap plus loopback socket buffers
  test_support::EndlessChunkExtensionPeer peer(kOffered);
  std::vector<AdminCall> calls{{"127.0.0.1", peer.port(), "GET", "/admin/v1/stats", "", ""}};
  auto r = run_admin_calls(calls, {.concurrency = 1, .timeout = 10s});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 0);
  EXPECT_NE(r[0].error.find("read"), std::string::npos) << r[0].error;
  EXPECT_LT(peer.bytes_taken(), kMostTaken);
}

TEST(SidecarAdminClient, EmptyBatch) {
  EXPECT_TRUE(run_admin_calls({}, {}).empty());
}

}  // namespace
}  // namespace trove::controller
