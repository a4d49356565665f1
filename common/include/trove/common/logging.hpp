// The one logger of trove-server and trove-operator: spdlog's default logger,
// writing to stderr (stdout is program output: --help, --print-config), one
// line per event in either of two formats:
//   text  2026-01-02T15:04:05.123 info message key=value key="two words"
//         (local time; the level is coloured on a terminal)
//   json  {"time":"2026-01-02T14:04:05.123Z","level":"info","message":"message",
//          "key":"value"}  (UTC; one object per line, for log collectors)
// Code logs with spdlog::info(...) and friends; an event with structured
// fields goes through log_event(), which renders them in the chosen format.
#pragma once

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trove::common {

enum class LogFormat : std::uint8_t { text, json };
enum class LogLevel : std::uint8_t { trace, debug, info, warn, error, critical, off };

// The accepted spellings, in order: for --help texts and validators.
const std::vector<std::string>& log_format_names();
const std::vector<std::string>& log_level_names();
// "text | json" and "trace | debug | ... | off": the allowed range in errors.
std::string log_format_choices();
std::string log_level_choices();

std::optional<LogFormat> parse_log_format(std::string_view text);
std::optional<LogLevel> parse_log_level(std::string_view text);
std::string_view to_string(LogFormat format);
std::string_view to_string(LogLevel level);

// Makes spdlog's default logger a stderr logger with `format` and `level`.
// Call it from main before other threads log: spdlog swaps the default
// logger atomically, but a line another thread is writing at that moment
// keeps the format it started with.
void configure_logging(LogFormat format, LogLevel level);

// One structured field of an event: key=value in text, a member in json.
// Keys are plain identifiers other than time, level and message.
struct LogField {
  LogField(std::string_view field_key, std::string_view text) : key(field_key), value(text) {}
  template <std::integral Integer>
  requires(!std::same_as<Integer, bool>) LogField(std::string_view field_key, Integer number)
      : key(field_key), value(std::to_string(number)), is_number(true) {}

  std::string_view key;
  std::string value;
  bool is_number = false;  // a JSON number rather than a string
};

// Logs `message` with `fields` at `level` through the default logger.
void log_event(LogLevel level, std::string_view message, std::initializer_list<LogField> fields);

}  // namespace trove::common
