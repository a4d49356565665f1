#include "operator_options.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "controller/duration.hpp"
#include "trove/common/logging.hpp"

namespace trove::op {

namespace {

std::string env_name(const std::string& flag) {
  std::string e = "TROVE_OPERATOR_";
  for (char c : flag)
    e += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return e;
}

// A CLI11 validator-free duration option: kept as text, parsed after.
struct DurationFlag {
  const char* name;
  std::chrono::milliseconds* out;
  std::string text;
};

// --log-format and --log-level (common/include/trove/common/logging.hpp).
struct LogFlags {
  std::string format = "text";
  std::string level = "info";

  void add_to(CLI::App& app) {
    app.add_option("--log-format", format, "log lines on stderr: text, or json (one object each)")
        ->envname(env_name("log-format"))
        ->check(CLI::IsMember(common::log_format_names()));
    app.add_option("--log-level", level, "least severe level logged")
        ->envname(env_name("log-level"))
        ->check(CLI::IsMember(common::log_level_names()));
  }
  void apply() const {
    common::configure_logging(*common::parse_log_format(format), *common::parse_log_level(level));
  }
};

// Registers every flag; durations stay text in `durations`, the namespace
// list in `namespaces`, until parsed after CLI11.
void add_flags(CLI::App& app, OperatorOptions& o, std::string& namespaces,
               std::vector<DurationFlag>& durations) {
  app.add_option("--kubeconfig", o.kubeconfig,
                 "kubeconfig file (default: $KUBECONFIG, in-cluster, ~/.kube/config)")
      ->envname(env_name("kubeconfig"));
  app.add_option("--namespaces", namespaces, "comma-separated namespaces to watch (empty: all)")
      ->envname(env_name("namespaces"));
  app.add_option("--metrics-bind", o.metrics_bind,
                 "address:port serving /metrics, /healthz, /readyz")
      ->envname(env_name("metrics-bind"));
  app.add_flag("--leader-elect", o.leader_elect, "campaign for a Lease; only the leader reconciles")
      ->envname(env_name("leader-elect"));
  app.add_flag("--manage-admin-tokens", o.manage_admin_tokens,
               "create each hunt's missing tokenSecretRef Secret (random token) and rotate the "
               "operator's own on a trove.dev/rotate annotation")
      ->envname(env_name("manage-admin-tokens"));
  app.add_option("--lease-namespace", o.lease_namespace, "namespace of the leader Lease")
      ->envname(env_name("lease-namespace"));
  app.add_option("--lease-name", o.lease_name, "name of the leader Lease")
      ->envname(env_name("lease-name"));
  app.add_option("--identity", o.identity, "this replica's holder identity (default: host-pid)")
      ->envname(env_name("identity"));
  app.add_option("--push-concurrency", o.push_concurrency,
                 "sidecar admin calls in flight per reconcile")
      ->envname(env_name("push-concurrency"))
      ->check(CLI::Range(1, 1024));
  app.add_option("--workers", o.workers, "hunts reconciled concurrently")
      ->envname(env_name("workers"))
      ->check(CLI::Range(1, 64));
  durations = {
      {"autotune-interval", &o.autotune_interval, ""}, {"push-timeout", &o.push_timeout, ""},
      {"lease-duration", &o.lease_duration, ""},       {"renew-deadline", &o.renew_deadline, ""},
      {"retry-period", &o.retry_period, ""},           {"error-retry", &o.error_retry, ""}};
  for (auto& d : durations) {
    app.add_option(std::string("--") + d.name, d.text, "duration, e.g. 15s or 500ms")
        ->envname(env_name(d.name));
  }
}

// Parses each duration given; false (logged) at the first that is not a
// positive duration.
bool apply_durations(const std::vector<DurationFlag>& durations) {
  for (const auto& d : durations) {
    if (d.text.empty()) continue;
    auto v = controller::parse_duration(d.text);
    if (!v || *v <= std::chrono::milliseconds(0)) {
      spdlog::error("--{}: not a positive duration: {}", d.name, d.text);
      return false;
    }
    *d.out = *v;
  }
  return true;
}

std::vector<std::string> split_namespaces(const std::string& namespaces) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= namespaces.size() && !namespaces.empty()) {
    const std::size_t comma = namespaces.find(',', start);
    std::string ns = namespaces.substr(start, comma - start);
    if (!ns.empty()) out.push_back(ns);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string default_identity() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return std::string(host) + "-" + std::to_string(getpid());
}

}  // namespace

OperatorOptions parse_operator_options(int argc, char** argv, bool& exit_now, int& exit_code) {
  OperatorOptions o;
  exit_now = false;
  exit_code = 0;
  CLI::App app{"trove-operator: tunes trove sidecars' epoch arenas from TreasureHunt resources"};
  std::string namespaces;
  std::vector<DurationFlag> durations;
  add_flags(app, o, namespaces, durations);
  WebhookDurationTexts webhook_durations;
  add_webhook_flags(app, o.webhook, webhook_durations);
  LogFlags log_flags;
  log_flags.add_to(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    exit_now = true;
    exit_code = app.exit(e);
    return o;
  }
  log_flags.apply();  // before the checks below: their errors come out in the chosen format
  if (!apply_durations(durations) ||
      !finish_webhook_options(o.webhook, webhook_durations, o.lease_namespace)) {
    exit_now = true;
    exit_code = 2;
    return o;
  }
  o.namespaces = split_namespaces(namespaces);
  if (o.identity.empty()) o.identity = default_identity();
  if (o.leader_elect &&
      !(o.lease_duration > o.renew_deadline && o.renew_deadline > o.retry_period)) {
    spdlog::error("leader election needs --lease-duration > --renew-deadline > --retry-period");
    exit_now = true;
    exit_code = 2;
  }
  return o;
}

}  // namespace trove::op
