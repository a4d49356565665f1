// PayloadWriter: exact payload text, and numbers that always parse back to
// the same double (the fast decimal path and the to_chars fallback).

#include "ingest/payload_writer.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>

namespace trove::ingest {
namespace {

std::string render_x(PayloadWriter& writer, double x) {
  BoxMessage m;
  m.box = 1;
  m.has_x = true;
  m.x = x;
  const std::string payload(writer.render(m));
  const std::string prefix = R"({"box":1,"x":)";
  EXPECT_EQ(payload.substr(0, prefix.size()), prefix);
  EXPECT_EQ(payload.back(), '}');
  return payload.substr(prefix.size(), payload.size() - prefix.size() - 1);
}

TEST(PayloadWriter, RendersEveryFieldInSchemaOrder) {
  PayloadWriter writer;
  BoxMessage m;
  m.box = 18446744073709551615ULL;
  m.has_state = m.has_x = m.has_y = m.has_ts = m.has_player = true;
  m.state = BoxState::claimed;
  m.x = 0.05;
  m.y = -1e300;
  m.ts = 9223372036854775807LL;
  m.player = "a\"b\\c\x01";
  EXPECT_EQ(writer.render(m),
            R"({"box":18446744073709551615,"state":"claimed","x":0.05,"y":-1e+300,)"
            R"("ts":9223372036854775807,"player":"a\"b\\c\u0001"})");
}

TEST(PayloadWriter, ShortDecimalsAreWrittenAsTheyAreUsuallySpelled) {
  PayloadWriter writer;
  EXPECT_EQ(render_x(writer, 12.5), "12.5");
  EXPECT_EQ(render_x(writer, -3.25), "-3.25");
  EXPECT_EQ(render_x(writer, 0.1), "0.1");
  EXPECT_EQ(render_x(writer, 0.05), "0.05");
  EXPECT_EQ(render_x(writer, -0.000001), "-0.000001");
  EXPECT_EQ(render_x(writer, 100.0), "100");
  EXPECT_EQ(render_x(writer, 0.0), "0");
  EXPECT_EQ(render_x(writer, -0.0), "-0");
  EXPECT_EQ(render_x(writer, 123456.789), "123456.789");
}

TEST(PayloadWriter, EveryDoubleParsesBackToItself) {
  PayloadWriter writer;
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> coordinate(-100000.0, 100000.0);
  std::uniform_int_distribution<int> decimals(0, 8);
  const auto check = [&](double value) {
    const std::string text = render_x(writer, value);
    const double back = std::strtod(text.c_str(), nullptr);
    ASSERT_EQ(std::bit_cast<std::uint64_t>(back), std::bit_cast<std::uint64_t>(value))
        << "value " << value << " rendered as " << text;
  };
  for (int i = 0; i < 100000; ++i) {
    check(coordinate(rng));
    // Values with few decimals, the fast path's case.
    const double scale = std::pow(10.0, decimals(rng));
    check(std::round(coordinate(rng) * scale) / scale);
    // Arbitrary bit patterns (finite only).
    const double any = std::bit_cast<double>(rng());
    if (std::isfinite(any)) check(any);
  }
  for (double edge : {std::numeric_limits<double>::max(), std::numeric_limits<double>::lowest(),
                      std::numeric_limits<double>::min(), std::numeric_limits<double>::denorm_min(),
                      9007199254740992.0, 9007199254740993.0, 1e15, 1e16, 0.1 + 0.2}) {
    check(edge);
  }
}

}  // namespace
}  // namespace trove::ingest
