// One admission webhook call as kube-apiserver makes it: HTTPS POST of an
// AdmissionReview, the server certificate verified against the
// configuration's caBundle and the service's DNS name, the whole call
// bounded by the webhook's timeoutSeconds.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace trove::fakeapi {

struct WebhookTarget {
  // Where to connect (the fake has no cluster network: services are on
  // 127.0.0.1) and the name the certificate must carry.
  std::string connect_host;
  std::uint16_t port = 443;
  std::string server_name;
  std::string path = "/";  // with the ?timeout= query kube-apiserver adds
  std::string ca_bundle;   // PEM; empty: the system's trust store
  std::chrono::seconds timeout{10};
};

struct WebhookReply {
  bool delivered = false;  // an HTTP response arrived
  int status = 0;
  std::string body;
  std::string error;  // why it was not delivered
};

// Blocks up to target.timeout. Reply bodies over kMaxWebhookReplyBytes fail.
WebhookReply call_webhook(const WebhookTarget& target, const std::string& body);

inline constexpr std::size_t kMaxWebhookReplyBytes = 3 * 1024 * 1024;

}  // namespace trove::fakeapi
