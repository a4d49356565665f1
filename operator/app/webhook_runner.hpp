// The injection webhook wired together (docs/webhook.md): the sidecar
// template read from the chart's file, the API server's version read once,
// the HTTPS listener, and a loop that keeps the serving certificate current
// (the Secret through CertificateKeeper, or cert-manager's mounted files)
// and re-reads the template when it changes. Every replica serves; only
// the leader writes certificates.
#pragma once

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "webhook/admission_handler.hpp"
#include "webhook/certificate_keeper.hpp"
#include "webhook/webhook_metrics.hpp"
#include "webhook/webhook_server.hpp"
#include "webhook_options.hpp"

namespace trove::kube {
class Client;
}

namespace trove::op {

class WebhookRunner {
 public:
  // Reads the template and the server version; throws std::runtime_error
  // when the template is unusable.
  WebhookRunner(const WebhookOptions& options, kube::Client& client,
                webhook::WebhookMetrics& metrics, bool leading_from_start);
  ~WebhookRunner();
  WebhookRunner(const WebhookRunner&) = delete;
  WebhookRunner& operator=(const WebhookRunner&) = delete;

  // Starts the certificate loop; the listener opens with the first certificate.
  void start();
  void stop();
  // Leadership changed (Manager's on_leading): a new leader writes at once.
  void set_leading(bool leading);

 private:
  void loop();
  void sync_once();
  std::optional<webhook::KeyPair> current_certificate();
  void serve(const webhook::KeyPair& serving);
  void reload_template_if_changed();

  const WebhookOptions options_;
  kube::Client& client_;
  webhook::WebhookMetrics& metrics_;
  std::unique_ptr<webhook::AdmissionHandler> handler_;
  std::unique_ptr<webhook::CertificateKeeper> keeper_;
  std::unique_ptr<webhook::WebhookServer> server_;
  std::string served_cert_pem_;
  std::filesystem::file_time_type template_mtime_{};
  std::atomic<bool> leading_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace trove::op
