#include "trove/common/logging.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <span>

#include "trove/common/log_formatter.hpp"

namespace trove::common {
namespace {

// Indexed by LogLevel and by spdlog::level::level_enum alike: both run
// trace, debug, info, warn, error, critical, off.
constexpr std::array kSpdlogLevels = {
    spdlog::level::trace, spdlog::level::debug,    spdlog::level::info, spdlog::level::warn,
    spdlog::level::err,   spdlog::level::critical, spdlog::level::off};
static_assert(spdlog::level::trace == 0 && spdlog::level::off == kSpdlogLevels.size() - 1);
static_assert(static_cast<std::size_t>(LogLevel::off) == kSpdlogLevels.size() - 1);
constexpr std::array<std::string_view, kSpdlogLevels.size()> kLevelNames = {
    "trace", "debug", "info", "warn", "error", "critical", "off"};
constexpr std::array<std::string_view, 2> kFormatNames = {"text", "json"};
static_assert(static_cast<std::size_t>(LogFormat::json) == kFormatNames.size() - 1);

// "2026-01-02T14:04:05.123Z" is 24 bytes; the rest is room for the NUL and
// a year past 9999.
constexpr std::size_t kTimestampBytes = 32;

spdlog::level::level_enum to_spdlog(LogLevel level) {
  return kSpdlogLevels[static_cast<std::size_t>(level)];
}

std::string_view level_name(spdlog::level::level_enum level) {
  const auto index = static_cast<std::size_t>(level);
  return index < kLevelNames.size() ? kLevelNames[index] : "unknown";
}

// The fields of the event being logged on this thread (log_event sets them
// around the logger call; spdlog's sinks format on the calling thread).
thread_local std::span<const LogField> t_fields;

void append(spdlog::memory_buf_t& dest, std::string_view text) {
  dest.append(text.data(), text.data() + text.size());
}

// logfmt's rule: a value with a space, quote, '=' or control byte, or an
// empty one, is quoted, with '"' and '\' escaped.
bool needs_quotes(std::string_view value) {
  if (value.empty()) return true;
  for (const char c : value) {
    if (c == ' ' || c == '"' || c == '=' || static_cast<unsigned char>(c) < ' ') return true;
  }
  return false;
}

void append_text_fields(spdlog::memory_buf_t& dest) {
  for (const LogField& field : t_fields) {
    dest.push_back(' ');
    append(dest, field.key);
    dest.push_back('=');
    if (!needs_quotes(field.value)) {
      append(dest, field.value);
      continue;
    }
    dest.push_back('"');
    for (const char c : field.value) {
      if (c == '"' || c == '\\') dest.push_back('\\');
      dest.push_back(c);
    }
    dest.push_back('"');
  }
}

// ISO 8601 in UTC with milliseconds: 2026-01-02T14:04:05.123Z.
std::string utc_timestamp(spdlog::log_clock::time_point time) {
  const auto since_epoch = time.time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds).count();
  const std::time_t whole = seconds.count();
  std::tm utc{};
  gmtime_r(&whole, &utc);
  std::array<char, kTimestampBytes> text{};
  const int length = std::snprintf(text.data(), text.size(), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                                   utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour,
                                   utc.tm_min, utc.tm_sec, static_cast<int>(millis));
  return {text.data(), static_cast<std::size_t>(length)};
}

class TextFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    pattern_.format(msg, dest);
    append_text_fields(dest);
    dest.push_back('\n');
  }
  [[nodiscard]] std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<TextFormatter>();
  }

 private:
  // No end of line: the fields go between the message and the newline.
  spdlog::pattern_formatter pattern_{kTextLogPattern, spdlog::pattern_time_type::local, ""};
};

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.StartObject();
    write_member(writer, "time", utc_timestamp(msg.time));
    write_member(writer, "level", level_name(msg.level));
    write_member(writer, "message", {msg.payload.data(), msg.payload.size()});
    for (const LogField& field : t_fields) {
      if (field.is_number) {
        write_key(writer, field.key);
        // RawValue: Writer::RawNumber would quote it.
        writer.RawValue(field.value.data(), field.value.size(), rapidjson::kNumberType);
      } else {
        write_member(writer, field.key, field.value);
      }
    }
    writer.EndObject();
    append(dest, {buffer.GetString(), buffer.GetSize()});
    dest.push_back('\n');
  }
  [[nodiscard]] std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }

 private:
  using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
  static void write_key(Writer& writer, std::string_view key) {
    writer.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  }
  static void write_member(Writer& writer, std::string_view key, std::string_view value) {
    write_key(writer, key);
    writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  }
};

std::string join_choices(const std::vector<std::string>& names) {
  std::string joined;
  for (const std::string& name : names) {
    if (!joined.empty()) joined += " | ";
    joined += name;
  }
  return joined;
}

}  // namespace

const std::vector<std::string>& log_format_names() {
  static const std::vector<std::string> names(kFormatNames.begin(), kFormatNames.end());
  return names;
}

const std::vector<std::string>& log_level_names() {
  static const std::vector<std::string> names(kLevelNames.begin(), kLevelNames.end());
  return names;
}

std::string log_format_choices() {
  return join_choices(log_format_names());
}
std::string log_level_choices() {
  return join_choices(log_level_names());
}

std::optional<LogFormat> parse_log_format(std::string_view text) {
  for (std::size_t i = 0; i < kFormatNames.size(); ++i) {
    if (text == kFormatNames[i]) return static_cast<LogFormat>(i);
  }
  return std::nullopt;
}

std::optional<LogLevel> parse_log_level(std::string_view text) {
  for (std::size_t i = 0; i < kLevelNames.size(); ++i) {
    if (text == kLevelNames[i]) return static_cast<LogLevel>(i);
  }
  return std::nullopt;
}

std::string_view to_string(LogFormat format) {
  return kFormatNames[static_cast<std::size_t>(format)];
}

std::string_view to_string(LogLevel level) {
  return kLevelNames[static_cast<std::size_t>(level)];
}

std::unique_ptr<spdlog::formatter> make_log_formatter(LogFormat format) {
  if (format == LogFormat::json) return std::make_unique<JsonFormatter>();
  return std::make_unique<TextFormatter>();
}

void configure_logging(LogFormat format, LogLevel level) {
  auto logger = std::make_shared<spdlog::logger>(
      "trove", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  logger->set_formatter(make_log_formatter(format));
  logger->set_level(to_spdlog(level));
  spdlog::set_default_logger(std::move(logger));
}

void log_event(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
  spdlog::logger* logger = spdlog::default_logger_raw();
  if (!logger->should_log(to_spdlog(level))) return;
  // Cleared on the way out, so no later line on this thread repeats them.
  struct ClearFields {
    ~ClearFields() { t_fields = {}; }
  } clear_fields;
  t_fields = {fields.begin(), fields.size()};
  logger->log(to_spdlog(level), spdlog::string_view_t(message.data(), message.size()));
}

}  // namespace trove::common
