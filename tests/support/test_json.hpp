// JSON for tests (operator and load generator alike): parses literals and
// reads values, failing the test on malformed input or a missing value.
#pragma once

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>

#include <string>

namespace trove::test_json {

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

// The value at a JSON pointer ("/pods/0/name", "/roles/poll/mode"); when it is absent, fails the
// test and returns null. Not operator[]: for a missing member that hands out a
// static null built by placement new, which clang-analyzer flags.
inline const rapidjson::Value& at(const rapidjson::Value& root, const char* pointer) {
  static const rapidjson::Value absent;
  const rapidjson::Value* v = rapidjson::Pointer(pointer).Get(root);
  if (v == nullptr) {
    ADD_FAILURE() << "no value at " << pointer;
    return absent;
  }
  return *v;
}

}  // namespace trove::test_json
