// The certificate plan as pure functions, and the keeper against the
// in-process fake API server: the leader creates and renews, a follower
// only reads, and the caBundle of every webhook follows the CA.
#include "webhook/certificate_keeper.hpp"

#include <gtest/gtest.h>

#include "fake_fixture.hpp"
#include "kube/object.hpp"
#include "webhook/base64.hpp"

namespace trove::webhook {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

CertificateKeeperConfig keeper_config() {
  CertificateKeeperConfig c;
  c.secret_namespace = "default";
  c.secret_name = "trove-webhook-tls";
  c.webhook_configuration = "trove-inject";
  c.dns_names = service_dns_names("trove-webhook", "default");
  c.lifetimes.ca = std::chrono::hours(24 * 100);
  c.lifetimes.serving = std::chrono::hours(24 * 10);
  c.renew_before = std::chrono::hours(24 * 3);
  c.ca_renew_before = std::chrono::hours(24 * 30);
  return c;
}

TEST(CertificatePlan, IssuesKeepsRenewsAndRotates) {
  const auto config = keeper_config();
  const auto now = Clock::now();
  EXPECT_EQ(plan_certificates(std::nullopt, now, config), CertificateAction::kIssueAll);
  const auto fresh = renew_certificates(CertificateAction::kIssueAll, std::nullopt, now, config);
  EXPECT_EQ(plan_certificates(fresh, now, config), CertificateAction::kKeep);
  EXPECT_EQ(plan_certificates(fresh, now + std::chrono::hours(24 * 8), config),
            CertificateAction::kRenewServing);
  EXPECT_EQ(plan_certificates(fresh, now + std::chrono::hours(24 * 80), config),
            CertificateAction::kRotateCa);
  auto foreign = fresh;
  foreign.serving = make_serving_certificate(make_ca("other", 24h), {"x"}, 24h);
  EXPECT_EQ(plan_certificates(foreign, now, config), CertificateAction::kRenewServing);
  auto keyless = fresh;
  keyless.ca.key_pem.clear();
  EXPECT_EQ(plan_certificates(keyless, now, config), CertificateAction::kIssueAll);
}

TEST(CertificatePlan, RenewalKeepsTheCaAndRotationKeepsTheOldCaTrusted) {
  const auto config = keeper_config();
  const auto now = Clock::now();
  const auto first = renew_certificates(CertificateAction::kIssueAll, std::nullopt, now, config);
  const auto renewed = renew_certificates(CertificateAction::kRenewServing, first, now, config);
  EXPECT_EQ(renewed.ca_bundle, first.ca_bundle);
  EXPECT_NE(renewed.serving.cert_pem, first.serving.cert_pem);
  EXPECT_TRUE(is_signed_by(renewed.serving.cert_pem, first.ca.cert_pem));
  const auto rotated = renew_certificates(CertificateAction::kRotateCa, first, now, config);
  EXPECT_NE(rotated.ca.cert_pem, first.ca.cert_pem);
  EXPECT_EQ(rotated.ca_bundle, rotated.ca.cert_pem + first.ca.cert_pem);
  EXPECT_TRUE(is_signed_by(rotated.serving.cert_pem, rotated.ca.cert_pem));
}

TEST(CertificateSecret, RoundTripsAndRefusesBrokenData) {
  const auto config = keeper_config();
  const auto stored =
      renew_certificates(CertificateAction::kIssueAll, std::nullopt, Clock::now(), config);
  const auto secret = kube::KubeObject::parse(certificate_secret_body(config, stored, "7"));
  EXPECT_EQ(secret.resource_version(), "7");
  const auto back = read_certificate_secret(secret);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->serving.cert_pem, stored.serving.cert_pem);
  EXPECT_EQ(back->ca.cert_pem, stored.ca.cert_pem);
  EXPECT_EQ(back->ca.key_pem, stored.ca.key_pem);
  EXPECT_FALSE(read_certificate_secret(kube::KubeObject::parse(R"({"data":{"tls.crt":"!!"}})")));
  EXPECT_FALSE(read_certificate_secret(kube::KubeObject::parse(R"({"metadata":{}})")));
}

class CertificateKeeperTest : public kube::testing::FakeApiTest {
 protected:
  void create_webhook_configuration() {
    direct_ok(
        "POST", "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations",
        R"({"apiVersion":"admissionregistration.k8s.io/v1","kind":"MutatingWebhookConfiguration",
                  "metadata":{"name":"trove-inject"},"webhooks":[
                  {"name":"a.trove.dev","clientConfig":{"service":{"name":"trove-webhook","namespace":"default"}}},
                  {"name":"b.trove.dev","clientConfig":{"caBundle":"stale"}}]})");
  }
  std::vector<std::string> ca_bundles() {
    auto r = direct(
        "GET", "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/trove-inject");
    auto doc = kube::KubeObject::parse(r.body);
    std::vector<std::string> out;
    for (const auto& hook : doc.json()["webhooks"].GetArray()) {
      const auto& cc = hook["clientConfig"];
      out.emplace_back(cc.HasMember("caBundle") ? cc["caBundle"].GetString() : "");
    }
    return out;
  }
};

TEST_F(CertificateKeeperTest, FollowerWaitsLeaderCreatesAndEveryoneServesTheSame) {
  create_webhook_configuration();
  auto client = make_client();
  CertificateKeeper keeper(*client, keeper_config());
  EXPECT_FALSE(keeper.sync(false));  // a follower writes nothing
  EXPECT_EQ(direct("GET", "/api/v1/namespaces/default/secrets/trove-webhook-tls").status, 404);
  const auto served = keeper.sync(true);
  ASSERT_TRUE(served);
  const auto secret = kube::KubeObject::parse(
      direct("GET", "/api/v1/namespaces/default/secrets/trove-webhook-tls").body);
  const auto stored = read_certificate_secret(secret);
  ASSERT_TRUE(stored);
  EXPECT_EQ(served->cert_pem, stored->serving.cert_pem);
  const auto bundle = base64_encode(stored->ca_bundle);
  EXPECT_EQ(ca_bundles(), (std::vector<std::string>{bundle, bundle}));
  // Nothing to renew: no write, the same certificate for a follower.
  CertificateKeeper follower(*client, keeper_config());
  EXPECT_EQ(follower.sync(false)->cert_pem, served->cert_pem);
  EXPECT_EQ(keeper.sync(true)->cert_pem, served->cert_pem);
  const auto again = kube::KubeObject::parse(
      direct("GET", "/api/v1/namespaces/default/secrets/trove-webhook-tls").body);
  EXPECT_EQ(again.resource_version(), secret.resource_version());
}

TEST_F(CertificateKeeperTest, LeaderRenewsACertificateNearItsEnd) {
  create_webhook_configuration();
  auto client = make_client();
  auto config = keeper_config();
  CertificateKeeper keeper(*client, config);
  const auto first = keeper.sync(true);
  config.renew_before = std::chrono::hours(24 * 20);  // longer than the serving lifetime
  CertificateKeeper eager(*client, config);
  const auto second = eager.sync(true);
  ASSERT_TRUE(first && second);
  EXPECT_NE(first->cert_pem, second->cert_pem);
}

}  // namespace
}  // namespace trove::webhook
