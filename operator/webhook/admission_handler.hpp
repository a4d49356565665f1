// POST /mutate's handler: AdmissionReview in, AdmissionReview out, timed
// and counted. The sidecar template can be swapped while serving (the
// chart's ConfigMap changed); each request uses the one current when it
// arrived.
#pragma once

#include <memory>
#include <mutex>
#include <string_view>

#include "webhook/sidecar_template.hpp"
#include "webhook/webhook_metrics.hpp"
#include "webhook/webhook_server.hpp"

namespace trove::webhook {

class AdmissionHandler {
 public:
  AdmissionHandler(WebhookMetrics& metrics, SidecarTemplate sidecar, bool server_supports_native);

  void set_template(SidecarTemplate sidecar);
  WebhookReply handle(std::string_view body);

 private:
  std::shared_ptr<const SidecarTemplate> current() const;

  WebhookMetrics& metrics_;
  const bool server_supports_native_;
  mutable std::mutex mutex_;
  std::shared_ptr<const SidecarTemplate> sidecar_;
};

}  // namespace trove::webhook
