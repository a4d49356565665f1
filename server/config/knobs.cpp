// The knob table: every configuration key with its help and allowed range.
#include <arpa/inet.h>

#include <charconv>
#include <optional>
#include <string_view>

#include "config/server_config.hpp"

namespace trove::config {
namespace {

std::string invalid(const std::string& key, const std::string& value, const std::string& allowed) {
  return "invalid value for " + key + ": '" + value + "' (allowed: " + allowed + ")";
}

Knob uint_knob(const std::string& key, std::string help, std::uint64_t ServerConfig::*field,
               std::uint64_t min, std::uint64_t max) {
  std::string allowed = std::to_string(min) + " .. " + std::to_string(max);
  return Knob{key, std::move(help), allowed,
              [=](ServerConfig& c, const std::string& text) -> std::optional<std::string> {
                std::uint64_t value = 0;
                auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
                if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size() ||
                    value < min || value > max) {
                  return invalid(key, text, allowed);
                }
                c.*field = value;
                return std::nullopt;
              },
              [=](const ServerConfig& c) { return std::to_string(c.*field); }};
}

Knob address_knob(const std::string& key, std::string help, std::string ServerConfig::*field) {
  std::string allowed = "an IPv4 or IPv6 address";
  return Knob{key, std::move(help), allowed,
              [=](ServerConfig& c, const std::string& text) -> std::optional<std::string> {
                unsigned char buf[16];
                if (inet_pton(AF_INET, text.c_str(), buf) != 1 &&
                    inet_pton(AF_INET6, text.c_str(), buf) != 1) {
                  return invalid(key, text, allowed);
                }
                c.*field = text;
                return std::nullopt;
              },
              [=](const ServerConfig& c) { return c.*field; }};
}

Knob path_knob(const std::string& key, std::string help, std::string ServerConfig::*field) {
  return Knob{key, std::move(help), "a file path",
              [=](ServerConfig& c, const std::string& text) -> std::optional<std::string> {
                c.*field = text;
                return std::nullopt;
              },
              [=](const ServerConfig& c) { return c.*field; }};
}

// A knob whose text names one value of an enum, through the enum's own
// parse and to_string.
template <class Enum>
Knob named_value_knob(const std::string& key, std::string help, Enum ServerConfig::*field,
                      std::optional<Enum> (*parse)(std::string_view),
                      std::string_view (*name)(Enum), std::string allowed) {
  return Knob{key, std::move(help), allowed,
              [=](ServerConfig& c, const std::string& text) -> std::optional<std::string> {
                const std::optional<Enum> value = parse(text);
                if (!value) return invalid(key, text, allowed);
                c.*field = *value;
                return std::nullopt;
              },
              [=](const ServerConfig& c) { return std::string(name(c.*field)); }};
}

void add_listener_knobs(std::vector<Knob>& k) {
  using C = ServerConfig;
  k.push_back(
      address_knob("bind", "public listener address (reads: polls, WebSocket /v1/ws)", &C::bind));
  k.push_back(uint_knob("port", "public listener port; 0 = ephemeral", &C::port, 0, 65535));
  k.push_back(address_knob("ingest_bind", "ingest listener address (writes; pod-local by default)",
                           &C::ingest_bind));
  k.push_back(
      uint_knob("ingest_port", "ingest listener port; 0 = ephemeral", &C::ingest_port, 0, 65535));
  k.push_back(address_knob("admin_bind", "admin plane address", &C::admin_bind));
  k.push_back(uint_knob("admin_port", "admin plane port; 0 = ephemeral", &C::admin_port, 0, 65535));
  k.push_back(uint_knob("workers",
                        "worker threads; 0 = the cgroup CPU quota (cpu.max), else the cores",
                        &C::workers, 0, 256));
}

void add_memory_knobs(std::vector<Knob>& k) {
  using C = ServerConfig;
  k.push_back(uint_knob("arena_mib", "epoch arena size per worker, MiB", &C::arena_mib, 1, 65536));
  k.push_back(uint_knob("epoch_ms", "epoch length, ms", &C::epoch_ms, 1, 10000));
  k.push_back(Knob{"allocator", "ingest-path allocation strategy", "epoch | jemalloc | system",
                   [](C& c, const std::string& text) -> std::optional<std::string> {
                     if (text != "epoch" && text != "jemalloc" && text != "system") {
                       return invalid("allocator", text, "epoch | jemalloc | system");
                     }
                     c.allocator = text;
                     return std::nullopt;
                   },
                   [](const C& c) { return c.allocator; }});
  k.push_back(uint_knob("max_boxes", "box store capacity", &C::max_boxes, 1, 1ull << 28));
  k.push_back(uint_knob("store_spill_mib",
                        "box store room for payloads above 128 bytes, MiB (virtual; resident as "
                        "used); 0 = only payloads up to 128 bytes",
                        &C::store_spill_mib, 0, 65536));
  k.push_back(Knob{"store_huge_pages",
                   "huge pages for the box store (faster random access, RSS in 2 MiB steps)",
                   "on | off",
                   [](C& c, const std::string& text) -> std::optional<std::string> {
                     if (text != "on" && text != "off") {
                       return invalid("store_huge_pages", text, "on | off");
                     }
                     c.store_huge_pages = text == "on";
                     return std::nullopt;
                   },
                   [](const C& c) { return std::string(c.store_huge_pages ? "on" : "off"); }});
}

void add_file_knobs(std::vector<Knob>& k) {
  using C = ServerConfig;
  k.push_back(
      path_knob("admin_token_file", "bearer token file for tuning writes", &C::admin_token_file));
  k.push_back(path_knob("port_file", "write {\"data\":P,\"admin\":Q,\"pid\":N} once listening",
                        &C::port_file));
}

// "auto" (80 % of the cgroup memory limit, else off), 0 (off) or MiB.
Knob memory_budget_knob() {
  const std::string allowed = "auto, 0 (off) or 1 .. 1048576 MiB";
  return Knob{"max_memory_mib",
              "process memory budget, MiB: past it new connections and ingest batches get 503; "
              "auto = 80 % of the cgroup memory limit, else off; 0 = off",
              allowed,
              [=](ServerConfig& c, const std::string& text) -> std::optional<std::string> {
                if (text == "auto") {
                  c.max_memory_mib = ServerConfig::kMemoryAuto;
                  return std::nullopt;
                }
                constexpr std::uint64_t kMaxMib = 1ull << 20;  // 1 TiB
                std::uint64_t value = 0;
                auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
                if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size() ||
                    value > kMaxMib) {
                  return invalid("max_memory_mib", text, allowed);
                }
                c.max_memory_mib = value;
                return std::nullopt;
              },
              [](const ServerConfig& c) {
                return c.max_memory_mib == ServerConfig::kMemoryAuto
                           ? std::string("auto")
                           : std::to_string(c.max_memory_mib);
              }};
}

void add_limit_knobs(std::vector<Knob>& k) {
  using C = ServerConfig;
  k.push_back(
      uint_knob("max_connections", "open data-plane connections", &C::max_connections, 1, 1000000));
  k.push_back(uint_knob("max_conns_per_ip",
                        "open public-listener connections per client address (IPv6: per /64); "
                        "0 = off",
                        &C::max_conns_per_ip, 0, 1000000));
  k.push_back(memory_budget_knob());
  k.push_back(uint_knob("max_header_bytes", "HTTP request header size", &C::max_header_bytes, 512,
                        1048576));
  k.push_back(
      uint_knob("max_body_bytes", "HTTP request body size", &C::max_body_bytes, 1024, 1ull << 30));
  k.push_back(uint_knob("max_ws_message_bytes",
                        "WebSocket /v1/ingest message size (one NDJSON batch); beyond, close 1009",
                        &C::max_ws_message_bytes, 1024, 1ull << 30));
  k.push_back(uint_knob("max_ws_client_message_bytes",
                        "WebSocket /v1/ws message size (one client op); beyond, close 1009",
                        &C::max_ws_client_message_bytes, 1024, 1ull << 30));
  k.push_back(uint_knob("idle_timeout_ms", "close an HTTP keep-alive connection idle this long",
                        &C::idle_timeout_ms, 100, 3600000));
  k.push_back(uint_knob("ws_message_timeout_ms",
                        "a WebSocket message begun must be complete this soon (pings do not "
                        "extend it); beyond, close 1008",
                        &C::ws_message_timeout_ms, 100, 3600000));
  k.push_back(uint_knob("max_data_bytes",
                        "largest `data` of an ingest message, minified; the line limit is 4096 + "
                        "this",
                        &C::max_data_bytes, 0, 65536));
  k.push_back(uint_knob("ws_ping_interval_s",
                        "WebSocket ping interval; a peer silent until the next ping is closed",
                        &C::ws_ping_interval_s, 1, 3600));
  k.push_back(Knob{"ws_engine", "WebSocket framing after the upgrade", "beast | native",
                   [](C& c, const std::string& text) -> std::optional<std::string> {
                     if (text != "beast" && text != "native") {
                       return invalid("ws_engine", text, "beast | native");
                     }
                     c.ws_engine = text;
                     return std::nullopt;
                   },
                   [](const C& c) { return c.ws_engine; }});
  k.push_back(uint_knob("handshake_timeout_ms", "first request / WebSocket handshake deadline",
                        &C::handshake_timeout_ms, 100, 600000));
  k.push_back(uint_knob("send_queue_max", "queued WebSocket messages per connection before 1008",
                        &C::send_queue_max, 1, 1000000));
  k.push_back(uint_knob("push_interval_ms", "WebSocket push coalescing tick", &C::push_interval_ms,
                        1, 1000));
  k.push_back(
      uint_knob("drain_timeout_ms", "graceful shutdown deadline", &C::drain_timeout_ms, 0, 600000));
  k.push_back(uint_knob("busy_poll_us", "per-worker spin before sleeping; 0 = off",
                        &C::busy_poll_us, 0, 100000));
}

void add_state_knobs(std::vector<Knob>& k) {
  using C = ServerConfig;
  k.push_back(path_knob("state_dir",
                        "keep the box store on disk here (log + snapshots), restored at start; "
                        "empty = off",
                        &C::state_dir));
  k.push_back(uint_knob("sync_interval_ms", "state log group commit interval; 0 = the epoch length",
                        &C::sync_interval_ms, 0, 10000));
  k.push_back(uint_knob("snapshot_interval_s", "seconds between state snapshots",
                        &C::snapshot_interval_s, 1, 86400));
  k.push_back(uint_knob("snapshot_log_mib", "also snapshot once the log grows past this, MiB",
                        &C::snapshot_log_mib, 1, 1048576));
  k.push_back(Knob{"ack",
                   "what an ingest ack means: stored in memory, or durable (logged and fsynced; "
                   "needs state_dir)",
                   "memory | durable",
                   [](C& c, const std::string& text) -> std::optional<std::string> {
                     if (text != "memory" && text != "durable") {
                       return invalid("ack", text, "memory | durable");
                     }
                     c.ack_durable = text == "durable";
                     return std::nullopt;
                   },
                   [](const C& c) { return std::string(c.ack_durable ? "durable" : "memory"); }});
}

// Client tokens and browser origins (docs/client-auth.md).
Knob text_knob(const std::string& key, std::string help, std::string ServerConfig::*field) {
  return Knob{key, std::move(help), "text",
              [=](ServerConfig& c, const std::string& text) -> std::optional<std::string> {
                c.*field = text;
                return std::nullopt;
              },
              [=](const ServerConfig& c) { return c.*field; }};
}

// "*" or a comma list of origins, each scheme://host[:port] with no path.
bool valid_origin_list(std::string_view text) {
  if (text.empty() || text == "*") return true;
  for (bool more = true; more;) {
    const auto comma = text.find(',');
    const std::string_view origin = text.substr(0, comma);
    more = comma != std::string_view::npos;
    text = more ? text.substr(comma + 1) : std::string_view{};
    const auto scheme_end = origin.find("://");
    if (scheme_end == std::string_view::npos || scheme_end == 0 ||
        origin.size() == scheme_end + 3 ||
        origin.find_first_of("/ ", scheme_end + 3) != std::string_view::npos) {
      return false;
    }
  }
  return true;
}

void add_client_auth_knobs(std::vector<Knob>& k) {
  using C = ServerConfig;
  k.push_back(path_knob("client_auth_keys", "JWKS file of client-token keys; empty = reads open",
                        &C::client_auth_keys));
  k.push_back(uint_knob("client_auth_leeway_s", "clock skew tolerated on exp/nbf/iat, seconds",
                        &C::client_auth_leeway_s, 0, 300));
  k.push_back(text_knob("client_auth_audience", "required aud of client tokens; empty = unchecked",
                        &C::client_auth_audience));
  k.push_back(text_knob("client_auth_issuer", "required iss of client tokens; empty = unchecked",
                        &C::client_auth_issuer));
  const std::string origins_allowed =
      "*, or a comma list of scheme://host[:port]; empty = unchecked";
  k.push_back(Knob{"allowed_origins", "browser origins for WebSocket upgrades and CORS",
                   origins_allowed,
                   [=](C& c, const std::string& text) -> std::optional<std::string> {
                     if (!valid_origin_list(text))
                       return invalid("allowed_origins", text, origins_allowed);
                     c.allowed_origins = text;
                     return std::nullopt;
                   },
                   [](const C& c) { return c.allowed_origins; }});
}

void add_logging_knobs(std::vector<Knob>& k) {
  using C = ServerConfig;
  k.push_back(named_value_knob<common::LogFormat>(
      "log_format",
      "log lines on stderr: text for people, json (an object per line) for collectors",
      &C::log_format, &common::parse_log_format, &common::to_string, common::log_format_choices()));
  k.push_back(named_value_knob<common::LogLevel>("log_level", "least severe level logged",
                                                 &C::log_level, &common::parse_log_level,
                                                 &common::to_string, common::log_level_choices()));
}

std::vector<Knob> build_knobs() {
  std::vector<Knob> k;
  add_listener_knobs(k);
  add_memory_knobs(k);
  add_file_knobs(k);
  add_limit_knobs(k);
  add_state_knobs(k);
  add_client_auth_knobs(k);
  add_logging_knobs(k);
  return k;
}

}  // namespace

const std::vector<Knob>& knobs() {
  static const std::vector<Knob> knobs = build_knobs();
  return knobs;
}

}  // namespace trove::config
