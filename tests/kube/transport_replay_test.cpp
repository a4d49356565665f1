// What the client sends again when a kept-alive connection dies, against a
// raw server on 127.0.0.1 that breaks the connection on cue. A request that
// may have reached the server is repeated only when a repeat is harmless;
// one that provably never left the client goes out again whatever its verb.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
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

}  // namespace
}  // namespace trove::kube::testing
