#include "kube/config.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace trove::kube {
namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::string resolve(const std::string& path, const std::string& base_dir) {
  if (path.empty() || path.front() == '/' || base_dir.empty()) return path;
  return (std::filesystem::path(base_dir) / path).string();
}

// Finds `name` in a kubeconfig list like clusters: [{name: x, cluster: {...}}]
// and returns its `field` map.
YAML::Node find_named(const YAML::Node& root, const char* list, const std::string& name,
                      const char* field) {
  const YAML::Node entries = root[list];
  if (entries && !entries.IsSequence())
    throw ConfigError(std::string("kubeconfig: '") + list + "' is not a list");
  if (entries) {
    for (const auto& entry : entries) {
      if (!entry.IsMap()) continue;
      const YAML::Node n = entry["name"];
      if (n && n.IsScalar() && n.Scalar() == name) {
        const YAML::Node body = entry[field];
        if (body && !body.IsMap())
          throw ConfigError(std::string("kubeconfig: ") + field + " '" + name + "' is not a map");
        return body ? body : YAML::Node(YAML::NodeType::Map);
      }
    }
  }
  throw ConfigError(std::string("kubeconfig: no ") + field + " named '" + name + "'");
}

std::string scalar(const YAML::Node& map, const char* key) {
  const YAML::Node n = map[key];
  if (!n || n.IsNull()) return {};
  if (!n.IsScalar()) throw ConfigError(std::string("kubeconfig: '") + key + "' is not a string");
  return n.Scalar();
}

bool boolean(const YAML::Node& map, const char* key) {
  const std::string v = scalar(map, key);
  if (v.empty() || v == "false") return false;
  if (v == "true") return true;
  throw ConfigError(std::string("kubeconfig: '") + key + "' is not a boolean");
}

// `<key>-data` (base64 inline) wins over `<key>` (a file path), as in client-go.
std::string pem_field(const YAML::Node& map, const std::string& key, const std::string& base_dir) {
  const std::string data = scalar(map, (key + "-data").c_str());
  if (!data.empty()) return base64_decode(data);
  const std::string path = scalar(map, key.c_str());
  if (!path.empty()) return read_file(resolve(path, base_dir));
  return {};
}

}  // namespace

std::optional<std::string> process_env(const std::string& name) {
  // Read while the operator loads its kubeconfig, before any thread starts,
  // and nothing in the process sets the environment: getenv is safe here.
  const char* v = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe)
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

std::string read_file(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError("cannot read " + path);
  std::string out;
  char buf[8192];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    out.append(buf, static_cast<std::size_t>(in.gcount()));
    if (out.size() > max_bytes)
      throw ConfigError(path + " is larger than " + std::to_string(max_bytes) + " bytes");
  }
  return out;
}

std::string base64_decode(const std::string& text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  unsigned int acc = 0;
  int bits = 0;
  int pad = 0;
  std::size_t symbols = 0;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') {
      ++pad;
      ++symbols;
      continue;
    }
    const int v = value(c);
    if (v < 0 || pad > 0) throw ConfigError("invalid base64 data");
    acc = (acc << 6) | static_cast<unsigned int>(v);
    bits += 6;
    ++symbols;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xffu));
    }
  }
  if (pad > 2 || (symbols % 4) != 0) throw ConfigError("invalid base64 length");
  return out;
}

ServerAddress parse_server_url(const std::string& url) {
  ServerAddress a;
  std::string rest;
  if (url.rfind("https://", 0) == 0) {
    a.tls = true;
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    a.tls = false;
    rest = url.substr(7);
  } else {
    throw ConfigError("server URL must start with https:// or http://: '" + url + "'");
  }
  const auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) {
    a.base_path = rest.substr(slash);
    while (!a.base_path.empty() && a.base_path.back() == '/')
      a.base_path.pop_back();
  }
  if (authority.find('@') != std::string::npos)
    throw ConfigError("server URL must not carry credentials");
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string::npos) throw ConfigError("unterminated IPv6 address in " + url);
    a.host = authority.substr(1, close - 1);
    const std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') throw ConfigError("junk after IPv6 address in " + url);
      a.port = after.substr(1);
    }
  } else {
    const auto colon = authority.rfind(':');
    a.host = authority.substr(0, colon);
    if (colon != std::string::npos) a.port = authority.substr(colon + 1);
  }
  if (a.host.empty()) throw ConfigError("server URL has no host: '" + url + "'");
  if (a.port.empty()) a.port = a.tls ? "443" : "80";
  if (a.port.size() > 5 || a.port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(a.port) == 0 || std::stoul(a.port) > 65535)
    throw ConfigError("bad port in server URL '" + url + "'");
  return a;
}

ClientConfig parse_kubeconfig(const std::string& yaml_text, const std::string& base_dir,
                              const std::string& context) {
  if (yaml_text.size() > kMaxKubeconfigBytes) throw ConfigError("kubeconfig too large");
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(std::string("kubeconfig is not valid YAML: ") + e.what());
  }
  if (!root.IsMap()) throw ConfigError("kubeconfig is not a YAML map");
  try {
    std::string ctx_name = context.empty() ? scalar(root, "current-context") : context;
    if (ctx_name.empty()) throw ConfigError("kubeconfig has no current-context");
    const YAML::Node ctx = find_named(root, "contexts", ctx_name, "context");
    const std::string cluster_name = scalar(ctx, "cluster");
    if (cluster_name.empty()) throw ConfigError("context '" + ctx_name + "' names no cluster");
    const YAML::Node cluster = find_named(root, "clusters", cluster_name, "cluster");

    ClientConfig cfg;
    const std::string server = scalar(cluster, "server");
    if (server.empty()) throw ConfigError("cluster '" + cluster_name + "' has no server");
    cfg.server = parse_server_url(server);
    cfg.insecure_skip_tls_verify = boolean(cluster, "insecure-skip-tls-verify");
    cfg.ca_pem = pem_field(cluster, "certificate-authority", base_dir);
    const std::string ns = scalar(ctx, "namespace");
    if (!ns.empty()) cfg.namespace_ = ns;

    const std::string user_name = scalar(ctx, "user");
    if (!user_name.empty()) {
      const YAML::Node user = find_named(root, "users", user_name, "user");
      if (user["exec"] || user["auth-provider"])
        throw ConfigError("user '" + user_name + "': exec and auth-provider are not supported");
      cfg.token = trim(scalar(user, "token"));
      const std::string token_file = scalar(user, "tokenFile");
      if (!token_file.empty()) cfg.token_file = resolve(token_file, base_dir);
      cfg.client_cert_pem = pem_field(user, "client-certificate", base_dir);
      cfg.client_key_pem = pem_field(user, "client-key", base_dir);
      if (cfg.client_cert_pem.empty() != cfg.client_key_pem.empty())
        throw ConfigError("user '" + user_name + "' needs both client certificate and key");
    }
    return cfg;
  } catch (const YAML::Exception& e) {
    throw ConfigError(std::string("kubeconfig: ") + e.what());
  }
}

ClientConfig load_kubeconfig_file(const std::string& path, const std::string& context) {
  const std::string dir = std::filesystem::path(path).parent_path().string();
  return parse_kubeconfig(read_file(path), dir, context);
}

ClientConfig load_in_cluster(const InClusterPaths& paths, const EnvLookup& env) {
  const auto host = env("KUBERNETES_SERVICE_HOST");
  const auto port = env("KUBERNETES_SERVICE_PORT");
  if (!host || host->empty() || !port || port->empty())
    throw ConfigError("not in a cluster: KUBERNETES_SERVICE_HOST/PORT unset");
  const bool v6 = host->find(':') != std::string::npos;
  ClientConfig cfg;
  cfg.server = parse_server_url("https://" + (v6 ? "[" + *host + "]" : *host) + ":" + *port);
  cfg.token_file = paths.token;
  read_file(paths.token);  // fail now, not at the first request
  cfg.ca_pem = read_file(paths.ca);
  try {
    const std::string ns = trim(read_file(paths.namespace_file, 256));
    if (!ns.empty()) cfg.namespace_ = ns;
  } catch (const ConfigError&) {
    // client-go also falls back to "default" without a namespace file.
  }
  return cfg;
}

ClientConfig load_default_config(const std::string& kubeconfig_flag, const EnvLookup& env,
                                 const InClusterPaths& paths) {
  if (!kubeconfig_flag.empty()) return load_kubeconfig_file(kubeconfig_flag);
  if (const auto kc = env("KUBECONFIG"); kc && !kc->empty())
    return load_kubeconfig_file(kc->substr(0, kc->find(':')));
  if (const auto host = env("KUBERNETES_SERVICE_HOST"); host && !host->empty())
    return load_in_cluster(paths, env);
  const auto home = env("HOME");
  if (!home) throw ConfigError("no kubeconfig: set --kubeconfig or KUBECONFIG");
  return load_kubeconfig_file(*home + "/.kube/config");
}

}  // namespace trove::kube
