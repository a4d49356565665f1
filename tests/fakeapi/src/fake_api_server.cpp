#include "trove/fakeapi/fake_api_server.hpp"

#include <unistd.h>

#include <fstream>
#include <optional>
#include <stdexcept>

#include "admission.hpp"
#include "api_state.hpp"
#include "http_server.hpp"
#include "router.hpp"
#include "tls_cert.hpp"

namespace trove::fakeapi {

struct FakeApiServer::Impl {
  explicit Impl(ServerOptions o) : options(std::move(o)), state(options, faults) {}

  ServerOptions options;
  FaultInjector faults;
  ApiState state;
  std::unique_ptr<HttpServer> http;
  std::uint16_t port = 0;
  std::filesystem::path cert_dir;
  bool owns_cert_dir = false;
  TlsFiles tls_files;

  void seed_namespaces() {
    for (const char* ns : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
      ApiRequest request;
      request.method = "POST";
      request.set_target("/api/v1/namespaces");
      request.body = std::string(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":")") +
                     ns + R"("},"status":{"phase":"Active"}})";
      route(state, request);
    }
  }
};

FakeApiServer::FakeApiServer(ServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {
  impl_->seed_namespaces();
}

FakeApiServer::~FakeApiServer() {
  stop();
  if (impl_->owns_cert_dir) {
    std::error_code ec;
    std::filesystem::remove_all(impl_->cert_dir, ec);
  }
}

void FakeApiServer::start() {
  Impl& s = *impl_;
  if (s.http) return;
  HttpConfig config;
  config.bind_address = s.options.bind_address;
  config.port = s.options.port;
  if (s.options.tls) {
    s.cert_dir = s.options.cert_dir;
    if (s.cert_dir.empty()) {
      std::string pattern =
          (std::filesystem::temp_directory_path() / "trove-fakeapi-XXXXXX").string();
      if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
      s.cert_dir = pattern;
      s.owns_cert_dir = true;
    }
    s.tls_files = make_self_signed(s.cert_dir);
    config.cert_file = s.tls_files.cert;
    config.key_file = s.tls_files.key;
    config.token_file = s.options.token_file;
  }
  s.http = std::make_unique<HttpServer>(s.state, config);
  s.port = s.http->start();
  std::lock_guard lock(s.state.mutex);
  s.state.server_address = s.options.bind_address + ":" + std::to_string(s.port);
}

void FakeApiServer::stop() {
  if (impl_->http) {
    impl_->http->stop();
    impl_->http.reset();
  }
}

std::uint16_t FakeApiServer::port() const {
  return impl_->port;
}

std::string FakeApiServer::url() const {
  const std::string& host = impl_->options.bind_address;
  std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return (impl_->options.tls ? "https://" : "http://") + shown + ":" + std::to_string(impl_->port);
}

std::filesystem::path FakeApiServer::ca_file() const {
  return impl_->options.tls ? impl_->tls_files.cert : std::filesystem::path();
}

void FakeApiServer::write_kubeconfig(const std::filesystem::path& path) const {
  std::string cluster = "    server: " + url() + "\n";
  if (impl_->options.tls) cluster += "    certificate-authority: " + ca_file().string() + "\n";
  std::string user = "  user: {}\n";
  if (impl_->options.tls) {
    // Not checked without a token file, but without any credential kubectl
    // prompts for a username over HTTPS.
    user = "  user:\n    token: unchecked\n";
  }
  if (impl_->options.tls && !impl_->options.token_file.empty()) {
    user =
        "  user:\n    tokenFile: " + std::filesystem::absolute(impl_->options.token_file).string() +
        "\n";
  }
  std::string text = "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n" +
                     cluster + "users:\n- name: fake\n" + user +
                     "contexts:\n- name: fake\n  context:\n    cluster: fake\n    user: fake\n"
                     "    namespace: default\ncurrent-context: fake\npreferences: {}\n";
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
  }
  std::filesystem::rename(tmp, path);
}

FaultInjector& FakeApiServer::faults() {
  return impl_->faults;
}

StatsSnapshot FakeApiServer::stats() const {
  std::lock_guard lock(impl_->state.stats_mutex);
  return impl_->state.stats;
}

void FakeApiServer::reset_stats() {
  std::lock_guard lock(impl_->state.stats_mutex);
  std::uint64_t active = impl_->state.stats.active_watches;
  impl_->state.stats = StatsSnapshot{};
  impl_->state.stats.active_watches = active;
}

void FakeApiServer::expire_resource_versions(bool close_open_watches) {
  std::lock_guard lock(impl_->state.mutex);
  impl_->state.store.compact();
  if (close_open_watches) ++impl_->state.expire_epoch;
  impl_->state.notify();
}

void FakeApiServer::close_all_watches() {
  std::lock_guard lock(impl_->state.mutex);
  ++impl_->state.close_epoch;
  impl_->state.notify();
}

std::uint64_t FakeApiServer::resource_version() const {
  std::lock_guard lock(impl_->state.mutex);
  return impl_->state.store.current_rv();
}

DirectResponse FakeApiServer::request(std::string_view method, std::string_view target,
                                      std::string_view body, std::string_view content_type,
                                      std::string_view accept) const {
  ApiRequest request;
  request.method = std::string(method);
  if (!request.set_target(target)) {
    return {400, "application/json", ApiError::bad_request("malformed request target").to_json()};
  }
  request.body = std::string(body);
  request.content_type = std::string(content_type);
  request.accept = std::string(accept);
  ApiResponse response;
  if (is_control_path(request.path)) {
    response = route_control(impl_->state, request);
  } else {
    std::optional<AdmissionOutcome> admitted;
    if (auto plan = plan_admission(impl_->state, request)) admitted = run_admission(*plan, request);
    response = admitted && admitted->refusal ? std::move(*admitted->refusal)
                                             : route(impl_->state, request);
  }
  if (response.watch) {
    return {501, "application/json",
            ApiError{501, "NotImplemented", "watches need HTTP"}.to_json()};
  }
  return {response.status, response.content_type, std::move(response.body)};
}

}  // namespace trove::fakeapi
