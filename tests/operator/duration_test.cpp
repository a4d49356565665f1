#include "controller/duration.hpp"

#include <gtest/gtest.h>

#include <string>

namespace trove::controller {
namespace {

using std::chrono::milliseconds;

TEST(Duration, UnitsAndBareSeconds) {
  EXPECT_EQ(parse_duration("15s"), milliseconds(15000));
  EXPECT_EQ(parse_duration("500ms"), milliseconds(500));
  EXPECT_EQ(parse_duration("2m"), milliseconds(120000));
  EXPECT_EQ(parse_duration("1h"), milliseconds(3600000));
  EXPECT_EQ(parse_duration("1.5s"), milliseconds(1500));
  EXPECT_EQ(parse_duration("3"), milliseconds(3000));
  EXPECT_EQ(parse_duration("0"), milliseconds(0));
}

TEST(Duration, GarbageIsRefused) {
  for (const char* bad : {"", "s", "-1s", "1.2.3s", "5 s", "5sec", "1d", "abc", "25h",
                          "99999999999999999999999s", "1e3s", ".", "nan"}) {
    EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
  }
}

TEST(Duration, EdgesOfTheAcceptedSyntax) {
  // Up to a day inclusive, whatever the unit.
  EXPECT_EQ(parse_duration("24h"), milliseconds(86400000));
  EXPECT_EQ(parse_duration("86400000ms"), milliseconds(86400000));
  EXPECT_FALSE(parse_duration("86400001ms").has_value());
  EXPECT_FALSE(parse_duration("1440.1m").has_value());
  // Fractions round to the nearest millisecond; a lone leading or trailing
  // dot is a number (strtod's syntax).
  EXPECT_EQ(parse_duration("0.4ms"), milliseconds(0));
  EXPECT_EQ(parse_duration("0.5ms"), milliseconds(1));
  EXPECT_EQ(parse_duration(".5s"), milliseconds(500));
  EXPECT_EQ(parse_duration("1."), milliseconds(1000));
  EXPECT_EQ(parse_duration("0.0001h"), milliseconds(360));
  // Units are lower case and nothing may surround the text.
  for (const char* bad : {"1S", "1MS", " 1s", "1s ", "+1s", "1s1ms", "0x10s", "1_000ms"}) {
    EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
  }
  // More than 32 characters is garbage, even when it would be a number.
  EXPECT_EQ(parse_duration(std::string(31, '0') + "1"), milliseconds(1000));
  EXPECT_FALSE(parse_duration(std::string(32, '0') + "1").has_value());
}

}  // namespace
}  // namespace trove::controller
