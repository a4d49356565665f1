#include "trove/common/logging.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "trove/common/log_formatter.hpp"

namespace trove::common {
namespace {

// The default logger, writing into a string in `format` for one test; the
// previous default logger comes back afterwards.
class CapturedLog {
 public:
  explicit CapturedLog(LogFormat format, spdlog::level::level_enum level = spdlog::level::trace)
      : previous_(spdlog::default_logger()) {
    auto logger = std::make_shared<spdlog::logger>(
        "captured", std::make_shared<spdlog::sinks::ostream_sink_st>(out_));
    logger->set_formatter(make_log_formatter(format));
    logger->set_level(level);
    spdlog::set_default_logger(std::move(logger));
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;

  [[nodiscard]] std::string text() const { return out_.str(); }
  [[nodiscard]] std::vector<std::string> lines() const {
    std::vector<std::string> result;
    std::istringstream in(out_.str());
    for (std::string line; std::getline(in, line);)
      result.push_back(line);
    return result;
  }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

rapidjson::Document parse_line(const std::string& line) {
  rapidjson::Document doc;
  doc.Parse(line.c_str(), line.size());
  EXPECT_FALSE(doc.HasParseError()) << line;
  EXPECT_TRUE(doc.IsObject()) << line;
  return doc;
}

std::string string_of(const rapidjson::Document& doc, const char* key) {
  const auto member = doc.FindMember(key);
  if (member == doc.MemberEnd() || !member->value.IsString()) return "<missing>";
  return {member->value.GetString(), member->value.GetStringLength()};
}

// True when `text` is "YYYY-MM-DDTHH:MM:SS.mmm". A hand-written check rather
// than std::regex: GCC 12's <regex> trips -Wmaybe-uninitialized in the
// sanitizer build, where warnings are errors.
bool is_timestamp_millis(std::string_view text) {
  constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd.ddd";
  if (text.size() != kShape.size()) return false;
  for (std::size_t i = 0; i < kShape.size(); ++i) {
    const bool digit = text[i] >= '0' && text[i] <= '9';
    if (kShape[i] == 'd' ? !digit : text[i] != kShape[i]) return false;
  }
  return true;
}

// The message part of a text-mode line "<timestamp> info <message>", or
// "<not a text info line>".
std::string text_info_message(const std::string& line) {
  constexpr std::size_t kStampSize = 23;
  constexpr std::string_view kLevel = " info ";
  if (line.size() < kStampSize + kLevel.size() ||
      !is_timestamp_millis(line.substr(0, kStampSize)) ||
      line.compare(kStampSize, kLevel.size(), kLevel) != 0) {
    return "<not a text info line>";
  }
  return line.substr(kStampSize + kLevel.size());
}

TEST(Logging, JsonModeWritesOneObjectPerLineWithTimeLevelMessageAndFields) {
  CapturedLog log(LogFormat::json);
  spdlog::info("plain \"quoted\" back\\slash\ttab");
  log_event(LogLevel::warn, "tuning owner takes over",
            {{"owner", "hunt a"}, {"generation", 7U}, {"previous_owner", ""}});
  spdlog::error("{} apples\non two lines", 3);
  spdlog::info("after an event");

  const std::vector<std::string> lines = log.lines();
  ASSERT_EQ(lines.size(), 4U) << log.text();
  std::vector<rapidjson::Document> docs;
  for (const std::string& line : lines) {
    docs.push_back(parse_line(line));
    const std::string time = string_of(docs.back(), "time");
    EXPECT_TRUE(time.size() == 24 && time.back() == 'Z' && is_timestamp_millis(time.substr(0, 23)))
        << line;
  }
  EXPECT_EQ(string_of(docs[0], "level"), "info");
  EXPECT_EQ(string_of(docs[0], "message"), "plain \"quoted\" back\\slash\ttab");
  EXPECT_EQ(docs[0].MemberCount(), 3U);

  EXPECT_EQ(string_of(docs[1], "level"), "warn");
  EXPECT_EQ(string_of(docs[1], "message"), "tuning owner takes over");
  EXPECT_EQ(string_of(docs[1], "owner"), "hunt a");
  EXPECT_EQ(string_of(docs[1], "previous_owner"), "");
  const auto generation = docs[1].FindMember("generation");
  ASSERT_NE(generation, docs[1].MemberEnd()) << lines[1];
  ASSERT_TRUE(generation->value.IsUint64()) << lines[1];
  EXPECT_EQ(generation->value.GetUint64(), 7U);

  EXPECT_EQ(string_of(docs[2], "level"), "error");
  EXPECT_EQ(string_of(docs[2], "message"), "3 apples\non two lines");
  // An event's fields belong to its own line only.
  EXPECT_EQ(docs[3].MemberCount(), 3U) << lines[3];
}

TEST(Logging, TextModeIsTheHumanPatternPlusFields) {
  // The human pattern, spelled out here rather than taken from
  // kTextLogPattern, so a change to the text format fails this test.
  spdlog::pattern_formatter human("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  const std::unique_ptr<spdlog::formatter> text = make_log_formatter(LogFormat::text);
  const spdlog::details::log_msg msg(spdlog::source_loc{}, "trove", spdlog::level::warn,
                                     "something happened");
  spdlog::memory_buf_t expected;
  spdlog::memory_buf_t actual;
  human.format(msg, expected);
  text->format(msg, actual);
  EXPECT_EQ(std::string(actual.data(), actual.size()),
            std::string(expected.data(), expected.size()));

  CapturedLog log(LogFormat::text);
  log_event(LogLevel::info, "tuning owner takes over",
            {{"owner", "hunt-a"},
             {"generation", 3},
             {"previous_owner", ""},
             {"note", "two words"},
             {"quote", R"(say "hi")"}});
  spdlog::info("after an event");
  const std::vector<std::string> lines = log.lines();
  ASSERT_EQ(lines.size(), 2U) << log.text();
  EXPECT_EQ(text_info_message(lines[0]),
            R"(tuning owner takes over owner=hunt-a generation=3 previous_owner="" )"
            R"(note="two words" quote="say \"hi\"")");
  EXPECT_EQ(text_info_message(lines[1]), "after an event");
}

TEST(Logging, EventsBelowTheLoggersLevelAreDropped) {
  CapturedLog log(LogFormat::json, spdlog::level::warn);
  log_event(LogLevel::info, "not shown", {{"key", "value"}});
  spdlog::info("not shown either");
  log_event(LogLevel::error, "shown", {});
  const std::vector<std::string> lines = log.lines();
  ASSERT_EQ(lines.size(), 1U) << log.text();
  EXPECT_EQ(string_of(parse_line(lines[0]), "message"), "shown");
}

TEST(Logging, FormatAndLevelNamesParseExactly) {
  EXPECT_EQ(parse_log_format("text"), LogFormat::text);
  EXPECT_EQ(parse_log_format("json"), LogFormat::json);
  for (const char* bad : {"", "JSON", "json ", "xml", "logfmt"}) {
    EXPECT_FALSE(parse_log_format(bad).has_value()) << bad;
  }
  for (const std::string& name : log_level_names()) {
    const std::optional<LogLevel> level = parse_log_level(name);
    ASSERT_TRUE(level.has_value()) << name;
    EXPECT_EQ(to_string(*level), name);
  }
  EXPECT_FALSE(parse_log_level("warning").has_value());
  EXPECT_FALSE(parse_log_level("INFO").has_value());
  EXPECT_EQ(log_format_choices(), "text | json");
  EXPECT_EQ(log_level_choices(), "trace | debug | info | warn | error | critical | off");
}

}  // namespace
}  // namespace trove::common
