// trove-server's configuration: one value type with documented defaults, and
// one knob table (key, help, range) from which the YAML keys, the TROVE_*
// environment variables, the command-line flags, validation errors and
// --print-config are all derived. Precedence: flags > environment > file.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "trove/common/logging.hpp"

namespace trove::config {

struct ServerConfig {
  // Data plane (HTTP + WebSocket). Loopback by default: exposing the sidecar
  // is a deliberate choice made in the pod spec.
  std::string bind = "127.0.0.1";
  std::uint64_t port = 8080;
  // Ingest (writes): its own listener, pod-local by default, so only the app
  // in the same pod can write boxes; the public listener above serves reads.
  std::string ingest_bind = "127.0.0.1";
  std::uint64_t ingest_port = 8081;
  // Admin plane: probes, metrics, tuning. Never exposed to game clients.
  std::string admin_bind = "127.0.0.1";
  std::uint64_t admin_port = 9090;
  // One worker per core (docs/design.md, Data flow); 0 = the cgroup CPU
  // quota (cpu.max, rounded up), else the number of cores.
  std::uint64_t workers = 0;
  // 128 MiB ≈ 1.2 M msg/s × 16 ms × 8 KiB blobs: one epoch of the reference
  // load fits without overflow.
  std::uint64_t arena_mib = 128;
  std::uint64_t epoch_ms = 16;
  std::string allocator = "epoch";
  std::uint64_t max_boxes = 1048576;
  // Transparent huge pages for the box store's index and slots: random box
  // access without a TLB miss each (S3 ingest 1.4 -> 2.0 M msg/s), at the
  // cost of resident memory in 2 MiB steps; off advises against them.
  bool store_huge_pages = true;
  // Reservation for payloads above a slot's inline 128 bytes (docs/design.md,
  // Box store): virtual memory, resident only as such payloads are stored.
  std::uint64_t store_spill_mib = 1024;
  std::string admin_token_file;
  std::string port_file;

  // Limits (each counted in trove_limit_exceeded_total / connections_rejected).
  std::uint64_t max_connections = 20000;  // per process; 2,000 clients × headroom
  // Public connections per client address (an IPv6 /64 counts as one); 0 =
  // off. 256 leaves a NAT'd office or a browser's tabs room, while one host
  // cannot take the whole --max-connections. Behind a proxy every client
  // shares the proxy's address: raise it or turn it off there.
  std::uint64_t max_conns_per_ip = 256;
  // Process memory budget, MiB (docs/contracts.md): past it new connections
  // and ingest batches get 503. kMemoryAuto = 80 % of the cgroup's memory
  // limit when there is one, else off; 0 = off.
  static constexpr std::uint64_t kMemoryAuto = UINT64_MAX;
  std::uint64_t max_memory_mib = kMemoryAuto;
  std::uint64_t max_header_bytes = 8192;         // nginx's default large header buffer
  std::uint64_t max_body_bytes = 4194304;        // one NDJSON ingest request
  std::uint64_t max_ws_message_bytes = 1048576;  // one NDJSON batch on WebSocket /v1/ingest
  // One client op on /v1/ws: a 4,096-box subscribe of 14-digit ids fits;
  // anything larger is a client trying to make the server buffer for it.
  std::uint64_t max_ws_client_message_bytes = 65536;
  // A message's `data`, minified (docs/api.md); the ingest line limit is
  // 4096 + this, so the largest data still fits a line.
  std::uint64_t max_data_bytes = 1024;
  std::uint64_t idle_timeout_ms = 60000;  // a keep-alive poller sends every 250 ms
  // A WebSocket message whose first part arrived must be whole this soon:
  // a peer cannot hold a half-sent message (and its buffer) open.
  std::uint64_t ws_message_timeout_ms = 10000;
  // WebSocket liveness: a ping every interval; a peer that sent nothing
  // (no pong, no frame) by the next ping is closed. 20 s keeps NAT and proxy
  // mappings (often 30-60 s) open for clients that only listen.
  std::uint64_t ws_ping_interval_s = 20;
  // Framing after the upgrade: "beast" (Beast's websocket::stream, a frame
  // per read and a write per message) or "native" (server/net/ws: every
  // frame of one read handled in place, their replies in one gather write).
  std::string ws_engine = "beast";
  std::uint64_t handshake_timeout_ms = 5000;  // first request / WS upgrade (slowloris)
  std::uint64_t send_queue_max = 256;         // queued WS messages before 1008
  std::uint64_t push_interval_ms = 5;         // WS push coalescing tick
  std::uint64_t drain_timeout_ms = 10000;     // graceful shutdown deadline
  std::uint64_t busy_poll_us = 0;             // spin before sleeping; 0 = off

  // Durable state (docs/state-format.md); state_dir "" = off.
  std::string state_dir;
  std::uint64_t sync_interval_ms = 0;      // log group commit; 0 = the epoch length
  std::uint64_t snapshot_interval_s = 60;  // and whenever the log passes snapshot_log_mib
  std::uint64_t snapshot_log_mib = 256;    // ~1.7 M records of ~150 bytes
  bool ack_durable = false;                // ack: memory | durable (needs state_dir)

  // Client tokens on the public listener (docs/client-auth.md): a JWKS file
  // turns them on; empty leaves reads open. Leeway: clock skew tolerated on
  // exp/nbf/iat. Audience and issuer are checked when set.
  std::string client_auth_keys;
  std::uint64_t client_auth_leeway_s = 5;
  std::string client_auth_audience;
  std::string client_auth_issuer;
  // Browser origins allowed for WebSocket upgrades and CORS on /v1/boxes:
  // a comma list of scheme://host[:port], or *; empty = no Origin check.
  std::string allowed_origins;

  // Log lines on stderr: text for people, json for log collectors.
  common::LogFormat log_format = common::LogFormat::text;
  common::LogLevel log_level = common::LogLevel::info;
};

// A knob: YAML key (snake_case), flag (--key-with-dashes), env (TROVE_KEY).
struct Knob {
  std::string key;
  std::string help;
  std::string allowed;  // human-readable range, used in errors and --help
  // Parses and validates `text` into the config; returns an error message
  // naming key, value and allowed range, or nullopt.
  std::function<std::optional<std::string>(ServerConfig&, const std::string& text)> set;
  std::function<std::string(const ServerConfig&)> get;
};

const std::vector<Knob>& knobs();

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct LoadResult {
  ServerConfig config;
  bool print_config = false;
  // Set when --help was asked: the text to print; the caller exits 0.
  std::optional<std::string> help;
};

// Reads the YAML file given by --config (or TROVE_CONFIG), then TROVE_*
// environment variables, then flags. `getenv` is injectable for tests.
// Throws ConfigError with a message naming key, value and allowed range.
LoadResult load_config(int argc, const char* const* argv,
                       const std::function<const char*(const char*)>& getenv);

// Applies one YAML document (string) onto `config`; unknown keys are errors.
void apply_yaml(ServerConfig& config, const std::string& yaml_text, const std::string& origin);

// The effective configuration as YAML (keys in knob order).
std::string to_yaml(const ServerConfig& config);

// Cross-knob checks after all sources (e.g. the allocator name). Throws ConfigError.
void validate_config(const ServerConfig& config);

}  // namespace trove::config
