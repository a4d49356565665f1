// What the client sends again when a kept-alive connection dies, against a
// raw server on 127.0.0.1 that breaks the connection on cue. A request that
// may have reached the server is repeated only when a repeat is harmless;
// one that provably never left the client goes out again whatever its verb.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <ostream>
#include <string>
#include <thread>

#include "kube/client.hpp"
#include "kube/errors.hpp"
#include "scripted_http_server.hpp"

namespace trove::kube::testing {
namespace {

using namespace std::chrono_literals;

// The loopback delivers a FIN within the peer's close() call; the pause only
// covers a machine so loaded that the kernel defers that work.
constexpr auto kFinDelivery = 50ms;
constexpr std::string_view kPod =
    R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default"}})";

std::unique_ptr<Client> client_for(const ScriptedHttpServer& server) {
  ClientConfig config;
  config.server = parse_server_url(server.url());
  ClientOptions options;
  options.qps = 10'000;
  options.burst = 10'000;
  options.transport.request_timeout = 5s;
  return std::make_unique<Client>(config, options);
}

// Fills the client's pool with one kept-alive connection.
void warm_up(Client& client) {
  client.get(pods_type(), "default", "p");
}

TEST(TransportReplay, PostOnReusedConnectionThatDiesAfterTheRequestIsNeverSentAgain) {
  ScriptedHttpServer server(ConnectionFault::kCloseAfterReadingRequest);
  auto client = client_for(server);
  warm_up(*client);
  try {
    client->create(pods_type(), "default", kPod);
    ADD_FAILURE() << "the POST must fail: the server may have applied it";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kTransport) << e.what();
  }
  EXPECT_EQ(server.count("POST"), 1) << "a POST the server may have applied went out again";
  EXPECT_EQ(client->connections_opened(), 1u);
}

TEST(TransportReplay, GetOnReusedConnectionThatDiesAfterTheRequestIsRetriedOnce) {
  ScriptedHttpServer server(ConnectionFault::kCloseAfterReadingRequest);
  auto client = client_for(server);
  warm_up(*client);
  EXPECT_EQ(client->get(pods_type(), "default", "p").name(), "p");
  EXPECT_EQ(server.count("GET"), 3) << "warm-up, the lost GET, its one retry";
  EXPECT_EQ(client->connections_opened(), 2u);
}

TEST(TransportReplay, PostAfterTheServerClosedTheIdleConnectionGoesOutOnAFreshOne) {
  ScriptedHttpServer server(ConnectionFault::kCloseWhenIdle);
  auto client = client_for(server);
  warm_up(*client);
  server.wait_until_fault_applied();
  std::this_thread::sleep_for(kFinDelivery);
  EXPECT_EQ(client->create(pods_type(), "default", kPod).name(), "p");
  EXPECT_EQ(server.count("POST"), 1);
  EXPECT_EQ(client->connections_opened(), 2u) << "the dead pooled connection was not used";
}

// One write whose connection dies after the server read it, and whether the
// client may send it again.
struct WriteCase {
  std::string name;
  std::string method;
  std::function<void(Client&)> call;
  bool repeatable;
};

void PrintTo(const WriteCase& c, std::ostream* out) {
  *out << c.name;
}

class WriteReplay : public ::testing::TestWithParam<WriteCase> {};

TEST_P(WriteReplay, RepeatsOnlyWhatTheServerCannotApplyTwice) {
  const WriteCase& c = GetParam();
  ScriptedHttpServer server(ConnectionFault::kCloseAfterReadingRequest);
  auto client = client_for(server);
  warm_up(*client);
  if (c.repeatable) {
    EXPECT_NO_THROW(c.call(*client));
    EXPECT_EQ(server.count(c.method), 2) << "the lost copy and one retry";
  } else {
    EXPECT_THROW(c.call(*client), ApiError);
    EXPECT_EQ(server.count(c.method), 1) << "sent again although the server may have applied it";
  }
}

const std::string kPodWithVersion =
    R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","resourceVersion":"7"}})";

DeleteOptions preconditioned() {
  DeleteOptions o;
  o.precondition_uid = "u-1";
  return o;
}

INSTANTIATE_TEST_SUITE_P(
    Writes, WriteReplay,
    ::testing::Values(
        WriteCase{"put_with_resource_version", "PUT",
                  [](Client& c) { c.replace(pods_type(), "default", "p", kPodWithVersion); }, true},
        WriteCase{"put_without_resource_version", "PUT",
                  [](Client& c) { c.replace(pods_type(), "default", "p", kPod); }, false},
        WriteCase{"delete_with_uid_precondition", "DELETE",
                  [](Client& c) { c.remove(pods_type(), "default", "p", preconditioned()); }, true},
        WriteCase{"delete_without_precondition", "DELETE",
                  [](Client& c) { c.remove(pods_type(), "default", "p"); }, false},
        WriteCase{"merge_patch_with_resource_version", "PATCH",
                  [](Client& c) {
                    c.patch(pods_type(), "default", "p", PatchType::kMerge,
                            R"({"metadata":{"resourceVersion":"7","labels":{"a":"b"}}})");
                  },
                  true},
        // Repeated after another writer changed label a, it would undo that.
        WriteCase{"merge_patch_without_resource_version", "PATCH",
                  [](Client& c) {
                    c.patch(pods_type(), "default", "p", PatchType::kMerge,
                            R"({"metadata":{"labels":{"a":"b"}}})");
                  },
                  false},
        WriteCase{"strategic_merge_patch_without_resource_version", "PATCH",
                  [](Client& c) {
                    c.patch(pods_type(), "default", "p", PatchType::kStrategicMerge,
                            R"({"metadata":{"labels":{"a":"b"}}})");
                  },
                  false},
        WriteCase{"apply_with_resource_version", "PATCH",
                  [](Client& c) { c.apply(pods_type(), "default", "p", kPodWithVersion, "trove"); },
                  true},
        WriteCase{"apply_without_resource_version", "PATCH",
                  [](Client& c) { c.apply(pods_type(), "default", "p", kPod, "trove"); }, false},
        WriteCase{"json_patch_testing_resource_version", "PATCH",
                  [](Client& c) {
                    c.patch(pods_type(), "default", "p", PatchType::kJson,
                            R"([{"op":"test","path":"/metadata/resourceVersion","value":"7"},)"
                            R"({"op":"add","path":"/metadata/finalizers/-","value":"x"}])");
                  },
                  true},
        WriteCase{"json_patch", "PATCH",
                  [](Client& c) {
                    c.patch(pods_type(), "default", "p", PatchType::kJson,
                            R"([{"op":"add","path":"/metadata/finalizers/-","value":"x"}])");
                  },
                  false},
        // A test of another field, or of an empty version, is no precondition.
        WriteCase{"json_patch_testing_another_field", "PATCH",
                  [](Client& c) {
                    c.patch(pods_type(), "default", "p", PatchType::kJson,
                            R"([{"op":"test","path":"/metadata/name","value":"p"},)"
                            R"({"op":"test","path":"/metadata/resourceVersion","value":""},)"
                            R"({"op":"add","path":"/metadata/finalizers/-","value":"x"}])");
                  },
                  false},
        WriteCase{"merge_patch_that_is_not_json", "PATCH",
                  [](Client& c) {
                    c.patch(pods_type(), "default", "p", PatchType::kMerge,
                            R"({"metadata":{"resourceVersion":"7")");
                  },
                  false}),
    [](const auto& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace trove::kube::testing
