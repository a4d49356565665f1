#include "webhook_options.hpp"

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <charconv>

#include "controller/duration.hpp"

namespace trove::op {
namespace {

// Ten years: a longer certificate lifetime is a mistake, not a choice.
constexpr std::int64_t kMaxDays = 3650;
constexpr std::chrono::hours kDay{24};

std::string env_name(const std::string& flag) {
  std::string e = "TROVE_OPERATOR_";
  for (char c : flag)
    e += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return e;
}

bool parse_into(const char* flag, const std::string& text, std::chrono::milliseconds& out) {
  if (text.empty()) return true;
  const auto v = parse_long_duration(text);
  if (!v) {
    spdlog::error("--{}: not a positive duration: {}", flag, text);
    return false;
  }
  out = *v;
  return true;
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_long_duration(std::string_view text) {
  if (text.ends_with('d')) {
    std::int64_t days = 0;
    const auto digits = text.substr(0, text.size() - 1);
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), days);
    if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size() || days <= 0 ||
        days > kMaxDays) {
      return std::nullopt;
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(kDay * days);
  }
  auto v = controller::parse_duration(text);
  if (!v || *v <= std::chrono::milliseconds(0)) return std::nullopt;
  return v;
}

void add_webhook_flags(CLI::App& app, WebhookOptions& o, WebhookDurationTexts& texts) {
  const auto option = [&](const char* flag, std::string& out, const char* help) {
    app.add_option(std::string("--") + flag, out, help)->envname(env_name(flag));
  };
  app.add_option("--webhook-port", o.port, "HTTPS port of the injection webhook (0: off)")
      ->envname(env_name("webhook-port"));
  option("webhook-bind", o.bind, "address the webhook listens on");
  option("webhook-sidecar-template", o.sidecar_template,
         "the chart's sidecar.json (the sidecar the webhook injects)");
  option("webhook-namespace", o.namespace_,
         "namespace of the webhook's Secret and Service (default: --lease-namespace)");
  option("webhook-service", o.service, "the webhook Service's name (the certificate's DNS names)");
  option("webhook-secret", o.secret, "Secret holding the webhook's CA and serving certificate");
  option("webhook-configuration", o.configuration,
         "MutatingWebhookConfiguration whose caBundle the leader keeps (empty: none)");
  option("webhook-cert-dir", o.cert_dir,
         "serve tls.crt/tls.key from this folder (cert-manager) instead of managing a Secret");
  option("webhook-sync-interval", texts.sync_interval,
         "how often the Secret and the template are read again (e.g. 1m)");
  option("webhook-cert-validity", texts.cert_validity, "serving certificate lifetime (e.g. 365d)");
  option("webhook-renew-before", texts.renew_before,
         "renew the serving certificate this long before it expires (e.g. 120d)");
}

bool finish_webhook_options(WebhookOptions& o, const WebhookDurationTexts& texts,
                            const std::string& lease_namespace) {
  std::chrono::milliseconds validity = o.cert_validity;
  std::chrono::milliseconds renew = o.renew_before;
  if (!parse_into("webhook-sync-interval", texts.sync_interval, o.sync_interval) ||
      !parse_into("webhook-cert-validity", texts.cert_validity, validity) ||
      !parse_into("webhook-renew-before", texts.renew_before, renew)) {
    return false;
  }
  o.cert_validity = std::chrono::duration_cast<std::chrono::seconds>(validity);
  o.renew_before = std::chrono::duration_cast<std::chrono::seconds>(renew);
  if (o.namespace_.empty()) o.namespace_ = lease_namespace;
  if (o.port == 0) return true;
  if (o.sidecar_template.empty()) {
    spdlog::error("--webhook-port needs --webhook-sidecar-template");
    return false;
  }
  if (o.renew_before >= o.cert_validity) {
    spdlog::error("--webhook-renew-before must be shorter than --webhook-cert-validity");
    return false;
  }
  return true;
}

}  // namespace trove::op
