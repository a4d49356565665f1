// trove-operator's flags (docs/contracts.md), each also read from the
// environment as TROVE_OPERATOR_<FLAG> (upper case, '-' -> '_'), so a
// Deployment can set them either way. Flags win over env.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "webhook_options.hpp"

namespace trove::op {

struct OperatorOptions {
  std::string kubeconfig;               // empty: $KUBECONFIG, in-cluster, ~/.kube/config
  std::vector<std::string> namespaces;  // empty: all namespaces
  std::string metrics_bind = "127.0.0.1:8081";
  bool leader_elect = false;
  // Create missing admin token Secrets and rotate the operator's own on request.
  bool manage_admin_tokens = false;
  std::string lease_namespace = "default";
  std::string lease_name = "trove-operator";
  std::string identity;  // default: hostname + pid
  std::chrono::milliseconds autotune_interval{15'000};
  std::size_t push_concurrency = 16;
  std::chrono::milliseconds push_timeout{2'000};
  // Beyond the contract: reconcile workers and lease timings (tests shorten
  // them; defaults are controller-runtime's 15 s / 10 s / 2 s).
  // Two hunts reconciled at once: one slow sidecar batch (timeouts) does
  // not hold up every other hunt.
  std::size_t workers = 2;
  std::chrono::milliseconds lease_duration{15'000};
  std::chrono::milliseconds renew_deadline{10'000};
  std::chrono::milliseconds retry_period{2'000};
  std::chrono::milliseconds error_retry{5'000};
  WebhookOptions webhook;
};

// Parses argv (and env). Returns 0 to run, or the exit code for --help (0)
// and errors (2), having printed the message; `exit_now` says which.
OperatorOptions parse_operator_options(int argc, char** argv, bool& exit_now, int& exit_code);

}  // namespace trove::op
