#include "controller/duration.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace trove::controller
