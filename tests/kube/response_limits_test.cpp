// The Kubernetes client's response limits against a raw server that answers
// with a chunk-size line that never ends: the client gives up at its read
// buffer cap (http_read_limits.hpp) instead of buffering the stream.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "hostile_http_peer.hpp"
#include "kube/client.hpp"
#include "kube/errors.hpp"

namespace trove::kube {
namespace {

using namespace std::chrono_literals;

TEST(ResponseLimits, EndlessChunkExtensionsFailTheRequestWithBoundedMemory) {
  constexpr std::size_t kOffered = 128u << 20;
  constexpr std::size_t kMostTaken = 16u << 20;  // the cap plus loopback socket buffers
  test_support::EndlessChunkExtensionPeer peer(kOffered);
  ClientConfig config;
  config.server = parse_server_url("http://127.0.0.1:" + std::to_string(peer.port()));
  ClientOptions options;
  options.transport.request_timeout = 10s;
  Client client(config, options);
  try {
    client.get(pods_type(), "default", "p");
    ADD_FAILURE() << "an endless chunk line must fail the request";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kTransport) << e.what();
  }
  EXPECT_LT(peer.bytes_taken(), kMostTaken);
}

}  // namespace
}  // namespace trove::kube
