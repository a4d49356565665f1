// `trove-server drain [flags]`: asks a running sidecar to drain, through its
// admin API, with the admin token. It reads the same flags, TROVE_*
// environment and --config file as the server, so the pod's preStop hook
// needs neither curl nor a copy of the address or token.
#pragma once

#include "config/server_config.hpp"

namespace trove::app {

// POSTs /admin/v1/drain to the configured admin address (an unspecified bind
// address such as 0.0.0.0 is reached through loopback) with the bearer token
// from --admin-token-file. Returns the process exit code: 0 once the server
// answered 202 (its data listeners are closed), 1 otherwise, with the reason
// on stderr.
int run_drain_command(const config::ServerConfig& config);

}  // namespace trove::app
