// trove-fake-apiserver: the fake Kubernetes API server as a process, for
// tests that drive it with real kubectl or helm. Runs until SIGINT/SIGTERM.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <fstream>

#include "trove/common/logging.hpp"
#include "trove/fakeapi/fake_api_server.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Fake Kubernetes API server for trove's tests (see tests/fakeapi/README.md)"};
  trove::fakeapi::ServerOptions options;
  std::string port_file;
  std::string kubeconfig_out;
  std::string cert_dir;
  std::string token_file;
  int bookmark_ms = static_cast<int>(options.bookmark_interval.count());
  app.add_option("--bind", options.bind_address, "address to listen on");
  app.add_option("--port", options.port, "port (0: an ephemeral one)");
  app.add_option("--port-file", port_file, "write the bound port here once listening");
  app.add_flag("--tls", options.tls, "HTTPS with a self-signed certificate");
  app.add_option("--cert-dir", cert_dir, "folder for server.crt/server.key (default: a temp dir)");
  app.add_option("--token-file", token_file,
                 "HTTPS only: require this bearer token (re-read on change)");
  app.add_option("--kubeconfig-out", kubeconfig_out, "write a kubeconfig for this server here");
  app.add_option("--event-log", options.event_log_capacity, "watch history length (events)");
  app.add_option("--bookmark-interval-ms", bookmark_ms, "BOOKMARK interval for watches");
  app.add_flag("--strict-namespaces", options.strict_namespaces,
               "refuse objects in missing namespaces");
  app.add_option("--kube-minor-version", options.kube_minor_version,
                 "the minor version /version reports (1.<N>)")
      ->check(CLI::Range(20, 99));
  CLI11_PARSE(app, argc, argv);
  trove::common::configure_logging(trove::common::LogFormat::text, trove::common::LogLevel::info);
  options.cert_dir = cert_dir;
  options.token_file = token_file;
  options.bookmark_interval = std::chrono::milliseconds(bookmark_ms);

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  // Blocked before any thread starts, so only sigwait below receives them.
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  trove::fakeapi::FakeApiServer server(options);
  try {
    server.start();
    if (!kubeconfig_out.empty()) server.write_kubeconfig(kubeconfig_out);
    if (!port_file.empty()) {
      // Written last and renamed into place: once it exists, everything is ready.
      std::string tmp = port_file + ".tmp";
      std::ofstream(tmp) << server.port() << "\n";
      std::rename(tmp.c_str(), port_file.c_str());
    }
  } catch (const std::exception& e) {
    spdlog::error("trove-fake-apiserver: {}", e.what());
    return 1;
  }
  spdlog::info("trove-fake-apiserver: serving {}", server.url());
  int received = 0;
  sigwait(&signals, &received);
  server.stop();
  return 0;
}
