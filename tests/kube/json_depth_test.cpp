// Nesting bound of what the kube client parses (kube/json_depth.hpp): a
// hostile document nested deeper than kMaxJsonDepth is refused before
// RapidJSON's recursive parser, copy and writer can exhaust the stack.
#include "kube/json_depth.hpp"

#include <gtest/gtest.h>

#include <string>

#include "kube/errors.hpp"
#include "kube/object.hpp"
#include "kube/watch_stream.hpp"

namespace trove::kube {
namespace {

std::string nested(std::size_t depth) {
  return "{\"a\":" + std::string(depth, '[') + std::string(depth, ']') + "}";
}

TEST(JsonDepth, CountsObjectsAndArraysButNotBracketsInStrings) {
  EXPECT_FALSE(nested_deeper_than("{}", 1));
  EXPECT_TRUE(nested_deeper_than("{\"a\":[]}", 1));
  EXPECT_FALSE(nested_deeper_than(R"({"a":"[[[[{{{{","b":"\"[["})", 1));
  EXPECT_FALSE(nested_deeper_than(nested(kMaxJsonDepth - 1), kMaxJsonDepth));
  EXPECT_TRUE(nested_deeper_than(nested(kMaxJsonDepth), kMaxJsonDepth));
}

TEST(JsonDepth, MalformedInputIsLeftToTheParser) {
  EXPECT_FALSE(nested_deeper_than("]]]]}}}", 1));
  EXPECT_FALSE(nested_deeper_than("\"unclosed [[[[", 1));
  EXPECT_TRUE(nested_deeper_than("[[[", 2));
}

TEST(JsonDepth, AnObjectAsDeepAsTheLimitParses) {
  const KubeObject o = KubeObject::parse(nested(kMaxJsonDepth - 1));
  EXPECT_TRUE(o.json().IsObject());
  EXPECT_TRUE(o.clone().json().IsObject());
}

// Regression (tests/kube/regressions/watch_event_nested_200k_deep): the
// recursive parser overflowed the stack and the operator died.
TEST(JsonDepth, AHostileDeepObjectOrWatchEventIsRefusedNotACrash) {
  const std::string deep = nested(200000);
  EXPECT_THROW(KubeObject::parse(deep), std::invalid_argument);
  const std::string event = R"({"type":"ADDED","object":)" + deep + "}";
  EXPECT_THROW(parse_watch_event(event), ApiError);
}

}  // namespace
}  // namespace trove::kube
