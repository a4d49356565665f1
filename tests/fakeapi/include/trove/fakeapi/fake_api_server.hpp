// A fake Kubernetes API server for trove's tests: real kubectl and trove's own
// client talk to it over HTTP or HTTPS. It implements the behaviour written
// down in shared/kube-api-contract.md (discovery, OpenAPI v3, CRDs with schema
// defaults, generic storage for built-in kinds, Tables, watches with bookmarks
// and 410s) plus runtime fault injection. See tests/fakeapi/README.md.
//
// Thread safety: every public member may be called from any thread while the
// server runs; the server itself runs one I/O thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "trove/fakeapi/faults.hpp"

namespace trove::fakeapi {

struct ServerOptions {
  std::string bind_address = "127.0.0.1";
  // 0 picks an ephemeral port; read it back with port().
  std::uint16_t port = 0;
  // HTTPS with a self-signed certificate (made at start()) written to
  // cert_dir (a fresh temporary folder when empty, removed at destruction).
  bool tls = false;
  std::filesystem::path cert_dir;
  // Over HTTPS, requests must carry `Authorization: Bearer <content of this
  // file>` (trailing whitespace ignored). The file is re-read when it changes,
  // so tests can rotate the token. Empty: no authentication. Over plain HTTP
  // nothing is checked, because client-go sends no credentials there.
  std::filesystem::path token_file;
  // Watch history kept for resuming watches from a resourceVersion; older
  // versions answer 410 Expired.
  std::size_t event_log_capacity = 10000;
  // How often a watch with allowWatchBookmarks=true gets a BOOKMARK
  // (kube-apiserver: about a minute; short here so tests see them).
  std::chrono::milliseconds bookmark_interval{1000};
  // Watches without timeoutSeconds end after this long.
  std::chrono::seconds default_watch_timeout{1800};
  // Refuse objects in namespaces that do not exist (kube-apiserver does).
  // Off by default so tests need not create namespaces first.
  bool strict_namespaces = false;
  // Largest request body accepted (kube-apiserver: 3 MiB).
  std::size_t max_body_bytes = 3 * 1024 * 1024;
  // The minor version /version reports (major is 1): what clients that
  // pick features by server version (native sidecars from 1.29) see.
  int kube_minor_version = 33;
};

// What GET /_fake/stats reports; lets client tests assert relists and watch
// restarts.
struct StatsSnapshot {
  // verb ("get", "list", "watch", "create", "update", "patch", "delete",
  // "deletecollection") -> count, over all resources.
  std::map<std::string, std::uint64_t> requests_by_verb;
  // "verb resource" (e.g. "list pods") -> count.
  std::map<std::string, std::uint64_t> requests_by_verb_resource;
  std::uint64_t watches_opened = 0;
  std::uint64_t lists = 0;
  std::uint64_t active_watches = 0;
  std::uint64_t faults_injected = 0;
  std::uint64_t unauthorized = 0;
};

// A response from FakeApiServer::request (no socket involved).
struct DirectResponse {
  int status = 0;
  std::string content_type;
  std::string body;
};

class FakeApiServer {
 public:
  explicit FakeApiServer(ServerOptions options = {});
  ~FakeApiServer();
  FakeApiServer(const FakeApiServer&) = delete;
  FakeApiServer& operator=(const FakeApiServer&) = delete;

  // Binds, writes TLS files if needed and starts the I/O thread. Throws
  // std::runtime_error on failure.
  void start();
  // Closes every connection (open watches included) and joins the thread.
  // Idempotent; the destructor calls it.
  void stop();

  std::uint16_t port() const;
  // "http://127.0.0.1:<port>" or "https://127.0.0.1:<port>".
  std::string url() const;
  // The CA certificate a client must trust (the self-signed server
  // certificate); empty without TLS.
  std::filesystem::path ca_file() const;
  // A kubeconfig for this server (certificate-authority and tokenFile set when
  // they apply); current-context "fake", namespace "default".
  void write_kubeconfig(const std::filesystem::path& path) const;

  FaultInjector& faults();
  StatsSnapshot stats() const;
  void reset_stats();

  // Compacts the watch history: every resourceVersion before now becomes
  // too old (watches from it get 410). With close_open_watches, every open
  // watch gets an in-stream ERROR 410 event and ends.
  void expire_resource_versions(bool close_open_watches = true);
  // Ends every open watch normally (the zero-length chunk).
  void close_all_watches();
  // The current (latest) resourceVersion.
  std::uint64_t resource_version() const;

  // Serves one API request in-process, exactly as over HTTP but without
  // authentication, latency or injected faults, e.g.
  // request("POST", "/api/v1/namespaces/default/pods", R"({...})").
  // Watches are not supported here (501). accept may ask for a Table.
  DirectResponse request(std::string_view method, std::string_view target,
                         std::string_view body = {},
                         std::string_view content_type = "application/json",
                         std::string_view accept = "application/json") const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace trove::fakeapi
