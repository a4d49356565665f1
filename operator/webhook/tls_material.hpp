// The webhook's certificates, made with OpenSSL's EVP/X509 APIs: a CA and a
// serving certificate it signs for the webhook Service's DNS names. The CA
// outlives many serving certificates, so a serving-certificate rotation
// leaves the caBundle unchanged and no admission fails during it; a CA
// rotation keeps the old CA in the bundle until it expires.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trove::webhook {

struct KeyPair {
  std::string cert_pem;
  std::string key_pem;
};

// Both validities are days: a CA of ten years, a serving certificate of
// one (cert-manager's and Dapr's defaults are of that order).
struct CertificateLifetimes {
  std::chrono::seconds ca{std::chrono::hours(24 * 3650)};
  std::chrono::seconds serving{std::chrono::hours(24 * 365)};
};

// A new self-signed CA (EC P-256, SHA-256). Throws std::runtime_error.
KeyPair make_ca(std::string_view common_name, std::chrono::seconds validity);

// A serving certificate for `dns_names` (the first is the subject's CN),
// signed by `ca`. Throws std::runtime_error.
KeyPair make_serving_certificate(const KeyPair& ca, const std::vector<std::string>& dns_names,
                                 std::chrono::seconds validity);

// notAfter of the first certificate in `pem`; nullopt when it does not parse.
std::optional<std::chrono::system_clock::time_point> certificate_not_after(std::string_view pem);

// Whether the first certificate in `pem` is signed by the first in `ca_pem`.
bool is_signed_by(std::string_view pem, std::string_view ca_pem);

// The DNS names a webhook Service answers to, as the API server dials it
// (<service>.<namespace>.svc) and the other forms.
std::vector<std::string> service_dns_names(std::string_view service, std::string_view ns);

}  // namespace trove::webhook
