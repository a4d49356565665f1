// Keeps the webhook's certificates in a Secret and its CA in the
// MutatingWebhookConfiguration's caBundle. Only the leader writes: it
// creates the CA and serving certificate when the Secret is missing,
// renews the serving certificate `renew_before` its expiry (same CA, so
// the caBundle does not change), and rotates the CA before its own expiry
// (the bundle then holds the new and the old CA, so API servers that still
// trust only the old one keep working). Every replica reads the Secret and
// serves what it holds.
//
// Secret (type kubernetes.io/tls, the shape cert-manager writes too):
//   tls.crt, tls.key  the serving certificate and key
//   ca.crt            the CA bundle (current CA first)
//   ca.key            the current CA's key (absent in cert-manager's)
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "webhook/tls_material.hpp"

namespace trove::kube {
class Client;
class KubeObject;
}  // namespace trove::kube

namespace trove::webhook {

struct CertificateKeeperConfig {
  std::string secret_namespace;
  std::string secret_name;
  std::string webhook_configuration;  // "" leaves every caBundle alone
  std::vector<std::string> dns_names;
  CertificateLifetimes lifetimes;
  // A third of the serving lifetime by default: cert-manager's renewBefore.
  std::chrono::seconds renew_before{std::chrono::hours(24 * 120)};
  std::chrono::seconds ca_renew_before{std::chrono::hours(24 * 365)};
};

struct StoredCertificates {
  KeyPair ca;             // cert_pem: the current CA only
  std::string ca_bundle;  // PEM, the current CA first
  KeyPair serving;
};

enum class CertificateAction { kKeep, kIssueAll, kRenewServing, kRotateCa };

// What the leader does with what the Secret holds, at `now`.
CertificateAction plan_certificates(const std::optional<StoredCertificates>& stored,
                                    std::chrono::system_clock::time_point now,
                                    const CertificateKeeperConfig& config);

// Carries out `action` (not kKeep) on `stored`.
StoredCertificates renew_certificates(CertificateAction action,
                                      const std::optional<StoredCertificates>& stored,
                                      std::chrono::system_clock::time_point now,
                                      const CertificateKeeperConfig& config);

// The Secret's certificates; nullopt when a member is missing or not base64.
std::optional<StoredCertificates> read_certificate_secret(const kube::KubeObject& secret);
std::string certificate_secret_body(const CertificateKeeperConfig& config,
                                    const StoredCertificates& stored,
                                    const std::string& resource_version);

class CertificateKeeper {
 public:
  CertificateKeeper(kube::Client& client, CertificateKeeperConfig config);

  // One round: the leader renews what needs it and patches the caBundle;
  // every replica returns the serving pair the Secret holds (nullopt while
  // there is none yet). Throws kube::ApiError on API errors other than a
  // write conflict (another replica's write: the next round reads it).
  std::optional<KeyPair> sync(bool leading);

 private:
  std::optional<StoredCertificates> write(const std::optional<StoredCertificates>& stored,
                                          const std::string& resource_version);
  void publish_ca_bundle(const std::string& ca_bundle);

  kube::Client& client_;
  const CertificateKeeperConfig config_;
};

}  // namespace trove::webhook
