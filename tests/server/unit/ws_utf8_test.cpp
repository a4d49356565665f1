#include <gtest/gtest.h>

#include <string>

#include "net/ws/utf8_validator.hpp"

namespace trove::net::ws {
namespace {

TEST(WsUtf8, AcceptsEveryEncodingLengthAndItsEdges) {
  for (const std::string valid :
       {"", "ascii only, longer than one eight-byte word", "\x7f", "\xc2\x80", "\xdf\xbf",
        "\xe0\xa0\x80", "\xed\x9f\xbf", "\xee\x80\x80", "\xef\xbf\xbf", "\xf0\x90\x80\x80",
        "\xf4\x8f\xbf\xbf", "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"})
    EXPECT_TRUE(is_valid_utf8(valid)) << valid;
}

TEST(WsUtf8, RefusesOverlongSurrogatesOutOfRangeAndStrayBytes) {
  for (const std::string invalid : {"\x80",
                                    "\xbf",
                                    "\xc0\xaf",
                                    "\xc1\xbf",
                                    "\xe0\x80\xaf",
                                    "\xe0\x9f\xbf",
                                    "\xed\xa0\x80",
                                    "\xed\xbf\xbf",
                                    "\xf0\x80\x80\xaf",
                                    "\xf0\x8f\xbf\xbf",
                                    "\xf4\x90\x80\x80",
                                    "\xf5\x80\x80\x80",
                                    "\xf8\x88\x80\x80\x80",
                                    "\xfe",
                                    "\xff",
                                    "\xc3",
                                    "\xe2\x82",
                                    "\xf0\x9f\x98",
                                    "\xe0\x41",
                                    "eight ok\xff"})
    EXPECT_FALSE(is_valid_utf8(invalid)) << invalid;
}

TEST(WsUtf8, FeedsAcrossCutsAndFailsAsSoonAsABadByteArrives) {
  const std::string text =
      "a\xf0\x9f\x98\x80\xce\xba"
      "bcdefghijk";
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    Utf8Validator v;
    EXPECT_TRUE(v.feed(text.substr(0, cut)));
    EXPECT_TRUE(v.feed(text.substr(cut)));
    EXPECT_TRUE(v.complete()) << cut;
  }
  Utf8Validator v;
  EXPECT_TRUE(v.feed("\xe2\x82"));
  EXPECT_FALSE(v.complete());
  EXPECT_FALSE(v.feed("A"));
  EXPECT_FALSE(v.feed("still failed"));
  v.reset();
  EXPECT_TRUE(v.feed("fresh"));
}

}  // namespace
}  // namespace trove::net::ws
