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
  k.push_back(address_knob("bind", "data plane address (HTTP + WebSocket)", &C::bind));
  k.push_back(uint_knob("port", "data plane port; 0 = ephemeral", &C::port, 0, 65535));
  k.push_back(address_knob("admin_bind", "admin plane address", &C::admin_bind));
  k.push_back(uint_knob("admin_port", "admin plane port; 0 = ephemeral", &C::admin_port, 0, 65535));
  k.push_back(uint_knob("workers", "worker threads; 0 = number of cores", &C::workers, 0, 256));
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

void add_limit_knobs(std::vector<Knob>& k) {
  using C = ServerConfig;
  k.push_back(
      uint_knob("max_connections", "open data-plane connections", &C::max_connections, 1, 1000000));
  k.push_back(uint_knob("max_header_bytes", "HTTP request header size", &C::max_header_bytes, 512,
                        1048576));
  k.push_back(
      uint_knob("max_body_bytes", "HTTP request body size", &C::max_body_bytes, 1024, 1ull << 30));
  k.push_back(uint_knob("max_ws_message_bytes", "WebSocket frame/message size",
                        &C::max_ws_message_bytes, 1024, 1ull << 30));
  k.push_back(
      uint_knob("idle_timeout_ms",
                "close an idle HTTP connection, or a WebSocket message unfinished, this long",
                &C::idle_timeout_ms, 100, 3600000));
  k.push_back(uint_knob("ws_ping_interval_s",
                        "WebSocket ping interval; a peer silent until the next ping is closed",
                        &C::ws_ping_interval_s, 1, 3600));
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
  add_logging_knobs(k);
  return k;
}

}  // namespace

const std::vector<Knob>& knobs() {
  static const std::vector<Knob> knobs = build_knobs();
  return knobs;
}

}  // namespace trove::config
