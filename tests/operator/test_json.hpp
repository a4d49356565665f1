// Parses a JSON literal for tests; fails the test on malformed input.
#pragma once

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>

namespace trove::controller::testing {

inline rapidjson::Document json(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str());
  EXPECT_FALSE(d.HasParseError()) << "test JSON does not parse: " << text;
  return d;
}

}  // namespace trove::controller::testing
