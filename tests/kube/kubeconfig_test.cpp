// kubeconfig and in-cluster configuration, including malformed and hostile
// files, and the token source's re-reading.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "kube/config.hpp"
#include "kube/token_source.hpp"

namespace trove::kube {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("trove-kube-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  fs::path write(const std::string& name, const std::string& content) const {
    std::ofstream(path_ / name) << content;
    return path_ / name;
  }
  const fs::path& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

constexpr const char* kBasic = R"(
apiVersion: v1
kind: Config
current-context: dev
contexts:
- name: dev
  context: {cluster: c1, user: u1, namespace: games}
- name: prod
  context: {cluster: c2, user: u2}
clusters:
- name: c1
  cluster:
    server: https://10.0.0.1:6443
    certificate-authority-data: LS0tLS1CRUdJTg==
- name: c2
  cluster: {server: "http://[::1]:8080/prefix/", insecure-skip-tls-verify: true}
users:
- name: u1
  user: {token: " abc123 "}
- name: u2
  user: {tokenFile: tok}
)";

TEST(Kubeconfig, CurrentContextSelectsClusterUserAndNamespace) {
  ClientConfig c = parse_kubeconfig(kBasic, "/base");
  EXPECT_TRUE(c.server.tls);
  EXPECT_EQ(c.server.host, "10.0.0.1");
  EXPECT_EQ(c.server.port, "6443");
  EXPECT_EQ(c.ca_pem, "-----BEGIN");
  EXPECT_EQ(c.token, "abc123");
  EXPECT_EQ(c.namespace_, "games");
  EXPECT_FALSE(c.insecure_skip_tls_verify);
}

TEST(Kubeconfig, ExplicitContextAndRelativeTokenFile) {
  ClientConfig c = parse_kubeconfig(kBasic, "/base", "prod");
  EXPECT_FALSE(c.server.tls);
  EXPECT_EQ(c.server.host, "::1");
  EXPECT_EQ(c.server.port, "8080");
  EXPECT_EQ(c.server.base_path, "/prefix");
  EXPECT_TRUE(c.insecure_skip_tls_verify);
  EXPECT_EQ(c.token_file, "/base/tok");
  EXPECT_EQ(c.namespace_, "default");
}

TEST(Kubeconfig, FilesAreReadRelativeToTheKubeconfig) {
  TempDir dir;
  dir.write("ca.crt", "CA-PEM");
  dir.write("client.crt", "CERT-PEM");
  dir.write("client.key", "KEY-PEM");
  auto path = dir.write("config", R"(
current-context: x
contexts: [{name: x, context: {cluster: c, user: u}}]
clusters: [{name: c, cluster: {server: "https://api.example:443", certificate-authority: ca.crt}}]
users: [{name: u, user: {client-certificate: client.crt, client-key: client.key}}]
)");
  ClientConfig c = load_kubeconfig_file(path.string());
  EXPECT_EQ(c.ca_pem, "CA-PEM");
  EXPECT_EQ(c.client_cert_pem, "CERT-PEM");
  EXPECT_EQ(c.client_key_pem, "KEY-PEM");
  EXPECT_EQ(c.server.port, "443");
}

TEST(Kubeconfig, DataFieldsWinOverFiles) {
  ClientConfig c = parse_kubeconfig(R"(
current-context: x
contexts: [{name: x, context: {cluster: c, user: u}}]
clusters: [{name: c, cluster: {server: "https://h", certificate-authority: /nonexistent, certificate-authority-data: "Q0E="}}]
users: [{name: u, user: {client-certificate-data: "Q0VSVA==", client-key-data: "S0VZ"}}]
)",
                                    "");
  EXPECT_EQ(c.ca_pem, "CA");
  EXPECT_EQ(c.client_cert_pem, "CERT");
  EXPECT_EQ(c.client_key_pem, "KEY");
}

TEST(Kubeconfig, MalformedFilesAreClearErrors) {
  const std::map<std::string, std::string> cases = {
      {"not yaml", "{{{{ : ]]"},
      {"a list", "- a\n- b\n"},
      {"a scalar", "hello"},
      {"empty", ""},
      {"no current context", "clusters: []\n"},
      {"missing context", "current-context: nope\ncontexts: []\n"},
      {"contexts not a list", "current-context: x\ncontexts: {x: 1}\n"},
      {"context without cluster",
       "current-context: x\ncontexts: [{name: x, context: {user: u}}]\n"},
      {"missing cluster",
       "current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\nclusters: []\n"},
      {"server not a string",
       "current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\n"
       "clusters: [{name: c, cluster: {server: [1, 2]}}]\n"},
      {"no server",
       "current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\n"
       "clusters: [{name: c, cluster: {}}]\n"},
      {"ftp server",
       "current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\n"
       "clusters: [{name: c, cluster: {server: 'ftp://h'}}]\n"},
      {"bad base64",
       "current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\n"
       "clusters: [{name: c, cluster: {server: 'https://h', certificate-authority-data: "
       "'!!!'}}]\n"},
      {"bad bool",
       "current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\n"
       "clusters: [{name: c, cluster: {server: 'https://h', insecure-skip-tls-verify: maybe}}]\n"},
      {"exec plugin",
       "current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
       "clusters: [{name: c, cluster: {server: 'https://h'}}]\n"
       "users: [{name: u, user: {exec: {command: /bin/evil}}}]\n"},
      {"cert without key",
       "current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
       "clusters: [{name: c, cluster: {server: 'https://h'}}]\n"
       "users: [{name: u, user: {client-certificate-data: 'QQ=='}}]\n"},
  };
  for (const auto& [name, text] : cases) {
    EXPECT_THROW(parse_kubeconfig(text, "/"), ConfigError) << name;
  }
}

TEST(Kubeconfig, HostileInputIsRefusedNotCrashed) {
  // Deep nesting, an alias bomb and an oversized file.
  std::string deep(5000, '[');
  EXPECT_THROW(parse_kubeconfig(deep, "/"), ConfigError);
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c)
    bomb += std::string(1, c) + ": &" + c + " [*" + static_cast<char>(c - 1) + ", *" +
            static_cast<char>(c - 1) + ", *" + static_cast<char>(c - 1) + "]\n";
  EXPECT_THROW(parse_kubeconfig(bomb, "/"), ConfigError) << "no current-context, no hang";
  EXPECT_THROW(parse_kubeconfig(std::string(kMaxKubeconfigBytes + 1, '#'), "/"), ConfigError);
}

TEST(ServerUrl, ParsesAndRejects) {
  auto a = parse_server_url("https://k8s.local");
  EXPECT_EQ(a.port, "443");
  EXPECT_EQ(a.base_path, "");
  auto b = parse_server_url("http://127.0.0.1:18080/");
  EXPECT_FALSE(b.tls);
  EXPECT_EQ(b.port, "18080");
  for (const char* bad :
       {"", "k8s.local", "https://", "https://h:0", "https://h:65536", "https://h:12ab",
        "https://[::1", "https://[::1]x", "https://u:p@h", "https://h:1234567"}) {
    EXPECT_THROW(parse_server_url(bad), ConfigError) << bad;
  }
}

TEST(Base64, DecodesAndRejects) {
  EXPECT_EQ(base64_decode("aGVsbG8="), "hello");
  EXPECT_EQ(base64_decode("aGVs\nbG8h"), "hello!");
  EXPECT_EQ(base64_decode(""), "");
  EXPECT_THROW(base64_decode("aGVsbG8"), ConfigError);
  EXPECT_THROW(base64_decode("aG=sbG8="), ConfigError);
  EXPECT_THROW(base64_decode("a==="), ConfigError);
  EXPECT_THROW(base64_decode("a\x80=="), ConfigError);
}

TEST(InCluster, ReadsEnvAndServiceAccountFiles) {
  TempDir dir;
  InClusterPaths paths{dir.write("token", "tok-1\n").string(), dir.write("ca.crt", "CA").string(),
                       dir.write("namespace", "trove-system\n").string()};
  std::map<std::string, std::string> env = {{"KUBERNETES_SERVICE_HOST", "fd00::1"},
                                            {"KUBERNETES_SERVICE_PORT", "443"}};
  auto lookup = [&](const std::string& k) -> std::optional<std::string> {
    auto it = env.find(k);
    return it == env.end() ? std::nullopt : std::optional(it->second);
  };
  ClientConfig c = load_in_cluster(paths, lookup);
  EXPECT_EQ(c.server.host, "fd00::1");
  EXPECT_TRUE(c.server.tls);
  EXPECT_EQ(c.ca_pem, "CA");
  EXPECT_EQ(c.token_file, paths.token);
  EXPECT_EQ(c.namespace_, "trove-system");

  env.erase("KUBERNETES_SERVICE_PORT");
  EXPECT_THROW(load_in_cluster(paths, lookup), ConfigError);
  env["KUBERNETES_SERVICE_PORT"] = "443";
  paths.token = (dir.path() / "missing").string();
  EXPECT_THROW(load_in_cluster(paths, lookup), ConfigError);
}

TEST(DefaultConfig, FlagThenKubeconfigEnvThenInCluster) {
  TempDir dir;
  auto kc = dir.write("kc", kBasic);
  std::map<std::string, std::string> env = {{"KUBECONFIG", kc.string() + ":/other"}};
  auto lookup = [&](const std::string& k) -> std::optional<std::string> {
    auto it = env.find(k);
    return it == env.end() ? std::nullopt : std::optional(it->second);
  };
  EXPECT_EQ(load_default_config("", lookup).server.host, "10.0.0.1");
  EXPECT_THROW(load_default_config((dir.path() / "none").string(), lookup), ConfigError);
}

TEST(TokenSource, RereadsAfterIntervalAndAfterInvalidate) {
  TempDir dir;
  auto file = dir.write("token", "one\n");
  TokenSource tokens("static", file.string(), std::chrono::milliseconds{50});
  EXPECT_EQ(tokens.token(), "one");
  dir.write("token", "two");
  EXPECT_EQ(tokens.token(), "one") << "cached until the refresh interval";
  tokens.invalidate();
  EXPECT_EQ(tokens.token(), "two") << "a 401 forces a re-read";
  dir.write("token", "three");
  std::this_thread::sleep_for(std::chrono::milliseconds{60});
  EXPECT_EQ(tokens.token(), "three");
  fs::remove(file);
  tokens.invalidate();
  EXPECT_EQ(tokens.token(), "three") << "an unreadable file keeps the last good token";
}

TEST(TokenSource, StaticTokenWithoutFile) {
  TokenSource tokens("s3cret", "");
  EXPECT_EQ(tokens.token(), "s3cret");
}

TEST(TokenSource, OversizedTokenFileIsIgnored) {
  TempDir dir;
  auto file = dir.write("token", std::string(1 << 20, 'x'));
  TokenSource tokens("fallback", file.string());
  EXPECT_EQ(tokens.token(), "fallback");
}

}  // namespace
}  // namespace trove::kube
