#include "webhook_runner.hpp"

#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

#include "webhook/kube_version.hpp"
#include "webhook/sidecar_template.hpp"

namespace trove::op {
namespace {

std::string read_file(const std::filesystem::path& path, std::size_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::string text(limit + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;
}

webhook::SidecarTemplate load_template(const std::string& path) {
  // One byte over the limit is read, so the parser reports an oversized file.
  auto parsed = webhook::parse_sidecar_template(read_file(path, webhook::kMaxTemplateBytes));
  if (const auto* error = std::get_if<webhook::TemplateError>(&parsed)) {
    throw std::runtime_error(path + ": " + error->message);
  }
  return std::get<webhook::SidecarTemplate>(std::move(parsed));
}

// A PEM file of a few KiB; cert-manager's are under 8 KiB.
constexpr std::size_t kMaxPemBytes = 64 * 1024;

std::chrono::system_clock::duration since_epoch(std::chrono::system_clock::time_point t) {
  return t.time_since_epoch();
}

}  // namespace

WebhookRunner::WebhookRunner(const WebhookOptions& options, kube::Client& client,
                             webhook::WebhookMetrics& metrics, bool leading_from_start)
    : options_(options), client_(client), metrics_(metrics), leading_(leading_from_start) {
  std::error_code ec;
  template_mtime_ = std::filesystem::last_write_time(options_.sidecar_template, ec);
  const auto version = webhook::fetch_kube_version(client_);
  const bool native = version && webhook::supports_native_sidecars(*version);
  if (version) {
    spdlog::info("webhook: API server {}.{}: {} sidecars", version->major, version->minor,
                 native ? "native" : "plain");
  }
  handler_ = std::make_unique<webhook::AdmissionHandler>(
      metrics_, load_template(options_.sidecar_template), native);
  if (options_.cert_dir.empty()) {
    webhook::CertificateKeeperConfig kc;
    kc.secret_namespace = options_.namespace_;
    kc.secret_name = options_.secret;
    kc.webhook_configuration = options_.configuration;
    kc.dns_names = webhook::service_dns_names(options_.service, options_.namespace_);
    kc.lifetimes.serving = options_.cert_validity;
    kc.lifetimes.ca = options_.ca_validity;
    kc.renew_before = options_.renew_before;
    keeper_ = std::make_unique<webhook::CertificateKeeper>(client_, kc);
  }
  webhook::WebhookServerOptions so;
  so.bind_address = options_.bind;
  so.port = options_.port;
  server_ = std::make_unique<webhook::WebhookServer>(
      so, [this](std::string_view body) { return handler_->handle(body); },
      [this](std::string_view) { metrics_.error(); });
}

WebhookRunner::~WebhookRunner() {
  stop();
}

void WebhookRunner::start() {
  thread_ = std::thread([this] { loop(); });
}

void WebhookRunner::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (server_) server_->stop();
}

void WebhookRunner::set_leading(bool leading) {
  leading_ = leading;
  wake_.notify_all();
}

void WebhookRunner::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    sync_once();
    lock.lock();
    wake_.wait_for(lock, options_.sync_interval, [this] { return stopping_; });
  }
}

void WebhookRunner::sync_once() {
  try {
    if (auto serving = current_certificate()) serve(*serving);
    reload_template_if_changed();
  } catch (const std::exception& e) {
    spdlog::warn("webhook: {}", e.what());
  }
}

std::optional<webhook::KeyPair> WebhookRunner::current_certificate() {
  if (keeper_) return keeper_->sync(leading_.load());
  const std::filesystem::path dir(options_.cert_dir);
  return webhook::KeyPair{read_file(dir / "tls.crt", kMaxPemBytes),
                          read_file(dir / "tls.key", kMaxPemBytes)};
}

void WebhookRunner::serve(const webhook::KeyPair& serving) {
  if (serving.cert_pem == served_cert_pem_) return;
  if (served_cert_pem_.empty()) {
    server_->start(serving);
    spdlog::info("webhook: serving https on {}:{}", options_.bind, server_->port());
  } else {
    server_->reload(serving);
    spdlog::info("webhook: serving a new certificate");
  }
  served_cert_pem_ = serving.cert_pem;
  if (const auto not_after = webhook::certificate_not_after(serving.cert_pem)) {
    metrics_.certificate_expires(std::chrono::duration<double>(since_epoch(*not_after)).count());
  }
}

void WebhookRunner::reload_template_if_changed() {
  std::error_code ec;
  const auto mtime = std::filesystem::last_write_time(options_.sidecar_template, ec);
  if (ec || mtime == template_mtime_) return;
  template_mtime_ = mtime;
  handler_->set_template(load_template(options_.sidecar_template));
  spdlog::info("webhook: sidecar template {} reloaded", options_.sidecar_template);
}

}  // namespace trove::op
