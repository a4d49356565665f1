// The HTTPS listener against real TLS clients (the operator's own
// kube::Transport, verifying the CA and the host name): routing, limits,
// timeouts, certificate reload without closing the listener, and the
// handler's metrics.
#include "webhook/webhook_server.hpp"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <boost/asio.hpp>
#include <chrono>
#include <thread>

#include "kube/errors.hpp"
#include "kube/transport.hpp"
#include "review_builder.hpp"
#include "sample_template.hpp"
#include "trove/common/prometheus_text.hpp"
#include "webhook/admission_handler.hpp"
#include "webhook/tls_material.hpp"

namespace trove::webhook {
namespace {

using namespace std::chrono_literals;

KeyPair serving_for(const KeyPair& ca) {
  return make_serving_certificate(ca, {"localhost"}, std::chrono::hours(24));
}

kube::HttpResponse post(std::uint16_t port, const std::string& ca_pem, const std::string& body,
                        const std::string& target = kMutatePath,
                        const std::string& method = "POST") {
  kube::ClientConfig config;
  config.server = kube::parse_server_url("https://localhost:" + std::to_string(port));
  config.ca_pem = ca_pem;
  kube::TransportOptions options;
  options.request_timeout = 5s;
  kube::Transport transport(config, options);
  kube::HttpRequest request;
  request.method = method;
  request.target = target;
  request.body = body;
  request.content_type = "application/json";
  return transport.send(request, "");
}

class WebhookServerTest : public ::testing::Test {
 protected:
  WebhookServerTest()
      : metrics_(registry_),
        handler_(metrics_,
                 std::get<SidecarTemplate>(parse_sidecar_template(test::sample_template())), true) {
  }

  void start(WebhookServerOptions options = {}) {
    options.bind_address = "127.0.0.1";
    server_ = std::make_unique<WebhookServer>(
        options, [this](std::string_view body) { return handler_.handle(body); },
        [this](std::string_view) { metrics_.error(); });
    server_->start(serving_for(ca_));
  }

  std::string metrics_text() const { return common::serialize_prometheus_text(registry_); }

  KeyPair ca_ = make_ca("trove-webhook-test-ca", std::chrono::hours(48));
  prometheus::Registry registry_;
  WebhookMetrics metrics_;
  AdmissionHandler handler_;
  std::unique_ptr<WebhookServer> server_;
};

TEST_F(WebhookServerTest, AnswersAReviewOverVerifiedTls) {
  start();
  const auto r = post(server_->port(), ca_.cert_pem,
                      test::pod_review(R"({"metadata":{"name":"p"},"spec":{"containers":[]}})"));
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find(R"("allowed":true)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("patchType":"JSONPatch")"), std::string::npos);
  EXPECT_NE(metrics_text().find(R"(trove_operator_webhook_requests_total{result="injected"} 1)"),
            std::string::npos)
      << metrics_text();
}

// kube-apiserver calls the configured path with ?timeout=<n>s appended.
TEST_F(WebhookServerTest, AcceptsTheApiServersTimeoutQuery) {
  start();
  const auto r = post(server_->port(), ca_.cert_pem,
                      test::pod_review(R"({"metadata":{"name":"p"},"spec":{"containers":[]}})"),
                      std::string(kMutatePath) + "?timeout=5s");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(post(server_->port(), ca_.cert_pem, "{}", "/mutatex?timeout=5s").status, 404);
}

TEST_F(WebhookServerTest, RefusesWrongPathMethodAndBody) {
  start();
  EXPECT_EQ(post(server_->port(), ca_.cert_pem, "{}", "/other").status, 404);
  EXPECT_EQ(post(server_->port(), ca_.cert_pem, "", kMutatePath, "GET").status, 405);
  const auto bad = post(server_->port(), ca_.cert_pem, "not json");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("not JSON"), std::string::npos);
  EXPECT_NE(metrics_text().find(R"(trove_operator_webhook_requests_total{result="error"} 3)"),
            std::string::npos)
      << metrics_text();
}

TEST_F(WebhookServerTest, OversizedBodyIsRefusedBeforeItIsRead) {
  WebhookServerOptions options;
  options.max_body_bytes = 1024;
  start(options);
  EXPECT_EQ(post(server_->port(), ca_.cert_pem, std::string(4096, ' ')).status, 413);
}

TEST_F(WebhookServerTest, ClientTrustingAnotherCaIsRefused) {
  start();
  const auto other = make_ca("someone-else", std::chrono::hours(48));
  EXPECT_THROW(post(server_->port(), other.cert_pem, "{}"), kube::ApiError);
}

TEST_F(WebhookServerTest, ReloadServesTheNewCertificateOnTheSameListener) {
  start();
  const auto port = server_->port();
  const auto next_ca = make_ca("next", std::chrono::hours(48));
  server_->reload(serving_for(next_ca));
  EXPECT_EQ(server_->port(), port);
  EXPECT_EQ(post(port, next_ca.cert_pem, "{}").status, 400);
  EXPECT_THROW(post(port, ca_.cert_pem, "{}"), kube::ApiError);
  // A key that does not load keeps the current certificate.
  EXPECT_THROW(server_->reload({"garbage", "garbage"}), std::runtime_error);
  EXPECT_EQ(post(port, next_ca.cert_pem, "{}").status, 400);
}

TEST_F(WebhookServerTest, SilentClientIsDisconnected) {
  WebhookServerOptions options;
  options.io_timeout = 200ms;
  start(options);
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket socket(ioc);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), server_->port()});
  const auto begin = std::chrono::steady_clock::now();
  char byte = 0;
  boost::system::error_code ec;
  socket.read_some(boost::asio::buffer(&byte, 1), ec);  // blocks until the server closes
  EXPECT_TRUE(ec);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 5s);
}

TEST_F(WebhookServerTest, ConnectionsOverTheLimitAreClosed) {
  WebhookServerOptions options;
  options.max_connections = 1;
  start(options);
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket first(ioc);
  first.connect({boost::asio::ip::make_address("127.0.0.1"), server_->port()});
  std::this_thread::sleep_for(100ms);  // the server accepts the first
  boost::asio::ip::tcp::socket second(ioc);
  second.connect({boost::asio::ip::make_address("127.0.0.1"), server_->port()});
  char byte = 0;
  boost::system::error_code ec;
  second.read_some(boost::asio::buffer(&byte, 1), ec);
  EXPECT_EQ(ec, boost::asio::error::eof);
}

TEST_F(WebhookServerTest, StartOnABusyPortFailsAndCanBeRetried) {
  start();
  WebhookServerOptions busy;
  busy.bind_address = "127.0.0.1";
  busy.port = server_->port();
  WebhookServer second(busy, [](std::string_view) { return WebhookReply{}; });
  EXPECT_THROW(second.start(serving_for(ca_)), std::runtime_error);
  const auto port = server_->port();
  server_->stop();
  busy.port = port;
  WebhookServer third(busy, [](std::string_view) { return WebhookReply{}; });
  EXPECT_NO_THROW(third.start(serving_for(ca_)));
}

TEST(TlsMaterial, ServingCertificateIsSignedByItsCaAndExpiresAsAsked) {
  const auto ca = make_ca("ca", std::chrono::hours(24 * 10));
  const auto cert = make_serving_certificate(ca, service_dns_names("trove-webhook", "trove"),
                                             std::chrono::hours(24));
  EXPECT_TRUE(is_signed_by(cert.cert_pem, ca.cert_pem));
  EXPECT_FALSE(is_signed_by(cert.cert_pem, make_ca("x", std::chrono::hours(1)).cert_pem));
  const auto not_after = certificate_not_after(cert.cert_pem);
  ASSERT_TRUE(not_after);
  const auto left = *not_after - std::chrono::system_clock::now();
  EXPECT_GT(left, std::chrono::hours(23));
  EXPECT_LT(left, std::chrono::hours(25));
  EXPECT_FALSE(certificate_not_after("not a pem"));
  EXPECT_THROW(make_serving_certificate({"bad", "bad"}, {"a"}, std::chrono::hours(1)),
               std::runtime_error);
  EXPECT_EQ(service_dns_names("s", "n").front(), "s.n.svc");
}

}  // namespace
}  // namespace trove::webhook
