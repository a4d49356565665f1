// Reads values out of the load generator's JSON output in tests.
#pragma once

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>

namespace trove::loadgen::testing {

// The value at a JSON pointer ("/roles/poll/mode"); when it is absent, fails the
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

}  // namespace trove::loadgen::testing
