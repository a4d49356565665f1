#include "webhook/certificate_keeper.hpp"

#include <spdlog/spdlog.h>

#include "kube/client.hpp"
#include "kube/config.hpp"
#include "kube/errors.hpp"
#include "kube/object.hpp"
#include "trove/common/json.hpp"
#include "webhook/base64.hpp"

namespace trove::webhook {
namespace {

using Clock = std::chrono::system_clock;
constexpr std::string_view kPemEnd = "-----END CERTIFICATE-----";

kube::ResourceType secrets_type() {
  return {"", "v1", "secrets", true};
}
kube::ResourceType webhook_configurations_type() {
  return {"admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", false};
}

std::optional<std::string> decoded_member(const rapidjson::Value* data, const char* key) {
  const auto text = common::string_member(data, key);
  if (!text) return std::nullopt;
  try {
    return kube::base64_decode(std::string(*text));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// The first PEM certificate of a bundle.
std::string first_certificate(const std::string& bundle) {
  const auto end = bundle.find(kPemEnd);
  if (end == std::string::npos) return bundle;
  return bundle.substr(0, end + kPemEnd.size()) + "\n";
}

bool expires_within(const std::string& pem, Clock::time_point now, std::chrono::seconds margin) {
  const auto not_after = certificate_not_after(pem);
  return !not_after || *not_after - now < margin;
}

void add_data(rapidjson::Value& data, const char* key, const std::string& value,
              rapidjson::Document::AllocatorType& a) {
  data.AddMember(rapidjson::StringRef(key), rapidjson::Value(base64_encode(value).c_str(), a), a);
}

}  // namespace

CertificateAction plan_certificates(const std::optional<StoredCertificates>& stored,
                                    Clock::time_point now, const CertificateKeeperConfig& config) {
  if (!stored || stored->ca.key_pem.empty()) return CertificateAction::kIssueAll;
  if (expires_within(stored->ca.cert_pem, now, config.ca_renew_before)) {
    return CertificateAction::kRotateCa;
  }
  if (!is_signed_by(stored->serving.cert_pem, stored->ca.cert_pem) ||
      expires_within(stored->serving.cert_pem, now, config.renew_before)) {
    return CertificateAction::kRenewServing;
  }
  return CertificateAction::kKeep;
}

StoredCertificates renew_certificates(CertificateAction action,
                                      const std::optional<StoredCertificates>& stored,
                                      Clock::time_point now,
                                      const CertificateKeeperConfig& config) {
  StoredCertificates next;
  if (action == CertificateAction::kRenewServing && stored) {
    next.ca = stored->ca;
    next.ca_bundle = stored->ca_bundle;
  } else {
    next.ca = make_ca(config.dns_names.front() + "-ca", config.lifetimes.ca);
    next.ca_bundle = next.ca.cert_pem;
    // The old CA stays trusted until it expires: API servers may still hold
    // the old caBundle when the new serving certificate is first served.
    if (action == CertificateAction::kRotateCa && stored &&
        !expires_within(stored->ca.cert_pem, now, std::chrono::seconds(0))) {
      next.ca_bundle += stored->ca.cert_pem;
    }
  }
  next.serving = make_serving_certificate(next.ca, config.dns_names, config.lifetimes.serving);
  return next;
}

std::optional<StoredCertificates> read_certificate_secret(const kube::KubeObject& secret) {
  const auto* data = common::find_member(secret.json(), "data");
  auto cert = decoded_member(data, "tls.crt");
  auto key = decoded_member(data, "tls.key");
  auto bundle = decoded_member(data, "ca.crt");
  if (!cert || !key || !bundle) return std::nullopt;
  StoredCertificates s;
  s.serving = {std::move(*cert), std::move(*key)};
  s.ca_bundle = std::move(*bundle);
  s.ca = {first_certificate(s.ca_bundle), decoded_member(data, "ca.key").value_or("")};
  return s;
}

std::string certificate_secret_body(const CertificateKeeperConfig& config,
                                    const StoredCertificates& stored,
                                    const std::string& resource_version) {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  doc.AddMember("apiVersion", "v1", a);
  doc.AddMember("kind", "Secret", a);
  rapidjson::Value meta(rapidjson::kObjectType);
  meta.AddMember("name", rapidjson::Value(config.secret_name.c_str(), a), a);
  meta.AddMember("namespace", rapidjson::Value(config.secret_namespace.c_str(), a), a);
  if (!resource_version.empty()) {
    meta.AddMember("resourceVersion", rapidjson::Value(resource_version.c_str(), a), a);
  }
  doc.AddMember("metadata", meta, a);
  doc.AddMember("type", "kubernetes.io/tls", a);
  rapidjson::Value data(rapidjson::kObjectType);
  add_data(data, "tls.crt", stored.serving.cert_pem, a);
  add_data(data, "tls.key", stored.serving.key_pem, a);
  add_data(data, "ca.crt", stored.ca_bundle, a);
  add_data(data, "ca.key", stored.ca.key_pem, a);
  doc.AddMember("data", data, a);
  return kube::to_json(doc);
}

CertificateKeeper::CertificateKeeper(kube::Client& client, CertificateKeeperConfig config)
    : client_(client), config_(std::move(config)) {}

std::optional<KeyPair> CertificateKeeper::sync(bool leading) {
  std::optional<StoredCertificates> stored;
  std::string resource_version;
  try {
    const auto secret = client_.get(secrets_type(), config_.secret_namespace, config_.secret_name);
    stored = read_certificate_secret(secret);
    resource_version = std::string(secret.resource_version());
  } catch (const kube::ApiError& e) {
    if (e.kind() != kube::ErrorKind::kNotFound) throw;
  }
  if (leading) {
    stored = write(stored, resource_version);
    if (stored) publish_ca_bundle(stored->ca_bundle);
  }
  if (!stored) return std::nullopt;
  return stored->serving;
}

std::optional<StoredCertificates> CertificateKeeper::write(
    const std::optional<StoredCertificates>& stored, const std::string& resource_version) {
  const auto action = plan_certificates(stored, Clock::now(), config_);
  if (action == CertificateAction::kKeep) return stored;
  auto next = renew_certificates(action, stored, Clock::now(), config_);
  const auto body = certificate_secret_body(config_, next, resource_version);
  try {
    if (resource_version.empty()) {
      client_.create(secrets_type(), config_.secret_namespace, body);
    } else {
      client_.replace(secrets_type(), config_.secret_namespace, config_.secret_name, body);
    }
  } catch (const kube::ApiError& e) {
    if (e.kind() != kube::ErrorKind::kConflict && e.kind() != kube::ErrorKind::kAlreadyExists) {
      throw;
    }
    spdlog::info("webhook certificates: another writer got there first; reading again next round");
    return stored;
  }
  spdlog::info("webhook certificates: {} (Secret {}/{})",
               action == CertificateAction::kRenewServing ? "serving certificate renewed"
               : action == CertificateAction::kRotateCa   ? "CA rotated"
                                                          : "CA and serving certificate created",
               config_.secret_namespace, config_.secret_name);
  return next;
}

void CertificateKeeper::publish_ca_bundle(const std::string& ca_bundle) {
  if (config_.webhook_configuration.empty()) return;
  const auto type = webhook_configurations_type();
  const auto config = client_.get(type, "", config_.webhook_configuration);
  const auto* hooks = common::find_member(config.json(), "webhooks");
  if (hooks == nullptr || !hooks->IsArray()) return;
  const std::string wanted = base64_encode(ca_bundle);
  std::string patch;
  for (rapidjson::SizeType i = 0; i < hooks->Size(); ++i) {
    const auto* client_config = common::find_member((*hooks)[i], "clientConfig");
    if (common::string_member(client_config, "caBundle") == wanted) continue;
    patch += std::string(patch.empty() ? "[" : ",") + R"({"op":"add","path":"/webhooks/)" +
             std::to_string(i) + R"(/clientConfig/caBundle","value":")" + wanted + "\"}";
  }
  if (patch.empty()) return;
  client_.patch(type, "", config_.webhook_configuration, kube::PatchType::kJson, patch + "]");
  spdlog::info("webhook certificates: caBundle of {} updated", config_.webhook_configuration);
}

}  // namespace trove::webhook
