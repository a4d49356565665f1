// HTTPS with the fake's self-signed certificate and bearer-token rotation.
#include <gtest/gtest.h>

#include "fake_fixture.hpp"
#include "kube/errors.hpp"

namespace trove::kube::testing {
namespace {

using namespace std::chrono_literals;

class TlsToken : public FakeApiTest {
 protected:
  void SetUp() override {
    token_dir_ = make_temp_dir("tok");
    token_file_ = token_dir_ / "token";
    write_file(token_file_, "token-one\n");
    auto o = fast_server_options();
    o.tls = true;
    o.token_file = token_file_;
    start_server(o);
  }
  void TearDown() override {
    FakeApiTest::TearDown();
    std::error_code ec;
    fs::remove_all(token_dir_, ec);
  }
  fs::path token_dir_;
  fs::path token_file_;
};

TEST_F(TlsToken, VerifiesServerCertificateAndSendsToken) {
  auto client = make_client();
  EXPECT_TRUE(client->config().server.tls);
  client->create(pods_type(), "default", pod_json("p"));
  EXPECT_EQ(client->get(pods_type(), "default", "p").name(), "p");
  EXPECT_EQ(server_->stats().unauthorized, 0u);
}

TEST_F(TlsToken, UntrustedCertificateIsRefused) {
  ClientConfig cfg = load_kubeconfig_file(kubeconfig_.string());
  cfg.ca_pem.clear();  // system trust store: the self-signed cert is unknown
  Client client(cfg, fast_client_options());
  try {
    client.list(pods_type(), "default");
    ADD_FAILURE() << "accepted an untrusted certificate";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kTransport);
  }
  cfg.insecure_skip_tls_verify = true;
  Client insecure(cfg, fast_client_options());
  EXPECT_NO_THROW(insecure.list(pods_type(), "default"));
}

TEST_F(TlsToken, RotatedTokenIsPickedUpAfter401) {
  auto client = make_client();  // re-reads the file only every minute...
  client->list(pods_type(), "default");
  const auto reads = client->tokens().reads();
  write_file(token_file_, "token-two\n");  // server and client share the file
  // ...so the next request goes out with the old token, gets 401, re-reads
  // and retries once, transparently.
  EXPECT_NO_THROW(client->list(pods_type(), "default"));
  EXPECT_GE(server_->stats().unauthorized, 1u) << "the old token must have been refused";
  EXPECT_GT(client->tokens().reads(), reads);
}

TEST_F(TlsToken, StaleTokenSurfacesAsUnauthorizedUntilFileRotates) {
  // The client reads its own copy of the token; the server rotates first.
  auto client_token = token_dir_ / "client-token";
  write_file(client_token, "token-one");
  ClientConfig cfg = load_kubeconfig_file(kubeconfig_.string());
  cfg.token_file = client_token.string();
  Client client(cfg, fast_client_options());
  client.list(pods_type(), "default");
  write_file(token_file_, "token-two");
  try {
    client.list(pods_type(), "default");
    ADD_FAILURE() << "old token accepted";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnauthorized);
  }
  write_file(client_token, "token-two");  // the kubelet catches up
  EXPECT_NO_THROW(client.list(pods_type(), "default"));
}

TEST_F(TlsToken, PeriodicRereadWithoutAny401) {
  auto client_token = token_dir_ / "client-token";
  write_file(client_token, "token-one");
  ClientConfig cfg = load_kubeconfig_file(kubeconfig_.string());
  cfg.token_file = client_token.string();
  ClientOptions o = fast_client_options();
  o.token_refresh = 100ms;
  Client client(cfg, o);
  client.list(pods_type(), "default");
  write_file(client_token, "token-two");
  std::this_thread::sleep_for(150ms);
  write_file(token_file_, "token-two");
  const auto unauthorized = server_->stats().unauthorized;
  EXPECT_NO_THROW(client.list(pods_type(), "default"));
  EXPECT_EQ(server_->stats().unauthorized, unauthorized) << "the new token went out first time";
}

TEST_F(TlsToken, InformerSurvivesRotationOverHttps) {
  auto client = make_client();
  Informer informer(*client, fast_informer());
  CallbackMirror mirror;
  informer.add_handlers(mirror.handlers());
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(5s));
  direct_ok("POST", "/api/v1/namespaces/default/pods", pod_json("before"));
  ASSERT_TRUE(wait_converged(informer, "default", 5s));
  write_file(token_file_, "token-three\n");
  server_->close_all_watches();  // the re-watch must authenticate with the new token
  direct_ok("POST", "/api/v1/namespaces/default/pods", pod_json("after"));
  ASSERT_TRUE(wait_converged(informer, "default", 10s));
  EXPECT_EQ(mirror.state(), server_pods());
  EXPECT_GE(server_->stats().unauthorized, 1u);
  informer.stop();
}

}  // namespace
}  // namespace trove::kube::testing
