// Parses a JSON literal for tests; fails the test on malformed input.
#pragma once

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>

namespace trove::controller::testing {

inline rapidjson::Document json(const std::string& text) {
  // RapidJSON's SSE4.2 scanner reads whole aligned 16-byte blocks of a
  // NUL-terminated string, up to 15 bytes past its end: give it room inside
  // the allocation so ASan sees no overflow.
  std::string padded;
  padded.reserve(text.size() + 32);
  padded = text;
  rapidjson::Document d;
  d.Parse(padded.c_str());
  EXPECT_FALSE(d.HasParseError()) << "test JSON does not parse: " << text;
  return d;
}

}  // namespace trove::controller::testing
