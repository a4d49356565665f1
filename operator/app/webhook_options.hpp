// The injection webhook's flags (docs/webhook.md), each also read from the
// environment as TROVE_OPERATOR_<FLAG>. --webhook-port 0 (the default)
// leaves the webhook off.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace CLI {
class App;
}

namespace trove::op {

struct WebhookOptions {
  std::uint16_t port = 0;
  std::string bind = "0.0.0.0";
  std::string sidecar_template;  // path of the chart's sidecar.json
  std::string namespace_;        // of the Secret and Service (default: --lease-namespace)
  std::string service = "trove-webhook";
  std::string secret = "trove-webhook-tls";
  std::string configuration;  // MutatingWebhookConfiguration; "" leaves caBundles alone
  // Set: serve tls.crt/tls.key from this folder (cert-manager's Secret,
  // mounted) and write nothing.
  std::string cert_dir;
  std::chrono::milliseconds sync_interval{60'000};
  std::chrono::seconds cert_validity{std::chrono::hours(24 * 365)};
  std::chrono::seconds renew_before{std::chrono::hours(24 * 120)};
  std::chrono::seconds ca_validity{std::chrono::hours(24 * 3650)};
};

// Text of the duration flags until parsed (they allow days, "30d").
struct WebhookDurationTexts {
  std::string sync_interval;
  std::string cert_validity;
  std::string renew_before;
};

void add_webhook_flags(CLI::App& app, WebhookOptions& options, WebhookDurationTexts& texts);

// Parses the durations and checks the combination; false (logged) on error.
bool finish_webhook_options(WebhookOptions& options, const WebhookDurationTexts& texts,
                            const std::string& lease_namespace);

// "90s", "2h", "30d" (days, for certificate lifetimes) or what
// controller::parse_duration takes; nullopt when not a positive duration.
std::optional<std::chrono::milliseconds> parse_long_duration(std::string_view text);

}  // namespace trove::op
