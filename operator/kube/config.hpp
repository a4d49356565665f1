// Where the API server is and how to authenticate: from a kubeconfig file or
// from the in-cluster service account. Files named in a kubeconfig are read
// here (certificates once; the token file is re-read by TokenSource).
#pragma once

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

namespace trove::kube {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ServerAddress {
  bool tls = true;
  std::string host;       // without IPv6 brackets
  std::string port;       // "443" / "80" when the URL names none
  std::string base_path;  // path prefix of the server URL, without trailing '/'
};

// Parses "https://host[:port][/prefix]" (IPv6 as "[::1]"). Throws ConfigError.
ServerAddress parse_server_url(const std::string& url);

struct ClientConfig {
  ServerAddress server;
  std::string ca_pem;  // empty: the system trust store
  bool insecure_skip_tls_verify = false;
  std::string token;       // static bearer token
  std::string token_file;  // re-read periodically; wins over `token` when set
  std::string client_cert_pem;
  std::string client_key_pem;
  std::string namespace_ = "default";
};

// A kubeconfig file larger than this is refused (hostile-input guard).
constexpr std::size_t kMaxKubeconfigBytes = 4u << 20;

// Parses kubeconfig YAML text. `base_dir` resolves relative file paths (the
// kubeconfig's own folder, as kubectl does); `context` overrides
// current-context when non-empty.
ClientConfig parse_kubeconfig(const std::string& yaml_text, const std::string& base_dir,
                              const std::string& context = {});
ClientConfig load_kubeconfig_file(const std::string& path, const std::string& context = {});

// The standard service-account mount, overridable for tests.
struct InClusterPaths {
  std::string token = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  std::string ca = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
  std::string namespace_file = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
};
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
std::optional<std::string> process_env(const std::string& name);

// KUBERNETES_SERVICE_HOST / _PORT plus the mounted token, CA and namespace.
ClientConfig load_in_cluster(const InClusterPaths& paths = {}, const EnvLookup& env = process_env);

// The operator's rule: an explicit --kubeconfig, else $KUBECONFIG (first
// entry of a ':' list), else in-cluster when KUBERNETES_SERVICE_HOST is set,
// else ~/.kube/config.
ClientConfig load_default_config(const std::string& kubeconfig_flag,
                                 const EnvLookup& env = process_env,
                                 const InClusterPaths& paths = {});

// Strict base64 (RFC 4648, whitespace ignored). Throws ConfigError.
std::string base64_decode(const std::string& text);

// Reads a whole file of at most `max_bytes`. Throws ConfigError.
std::string read_file(const std::string& path, std::size_t max_bytes = kMaxKubeconfigBytes);

}  // namespace trove::kube
