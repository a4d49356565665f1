#include "controller/label_selector.hpp"

#include <gtest/gtest.h>

#include "test_json.hpp"

namespace trove::controller {
namespace {

using test_json::json;

LabelSelector parse_ok(const std::string& text) {
  std::string error;
  auto doc = json(text);
  auto s = parse_label_selector(doc, error);
  EXPECT_TRUE(s.has_value()) << error;
  return s.value_or(LabelSelector{});
}

std::string parse_error(const std::string& text) {
  std::string error;
  auto doc = json(text);
  EXPECT_FALSE(parse_label_selector(doc, error).has_value()) << text;
  return error;
}

TEST(LabelSelector, MatchLabelsNeedsEveryLabelWithEqualValue) {
  auto s = parse_ok(R"({"matchLabels":{"app":"game","trove.dev/sidecar":"true"}})");
  EXPECT_TRUE(s.matches({{"app", "game"}, {"trove.dev/sidecar", "true"}, {"x", "y"}}));
  EXPECT_FALSE(s.matches({{"app", "game"}}));
  EXPECT_FALSE(s.matches({{"app", "other"}, {"trove.dev/sidecar", "true"}}));
}

TEST(LabelSelector, ExpressionsFollowApiServerSemantics) {
  auto s = parse_ok(R"({"matchExpressions":[
      {"key":"tier","operator":"In","values":["a","b"]},
      {"key":"canary","operator":"NotIn","values":["yes"]},
      {"key":"app","operator":"Exists"},
      {"key":"legacy","operator":"DoesNotExist"}]})");
  EXPECT_TRUE(s.matches({{"tier", "a"}, {"app", "x"}}));
  EXPECT_TRUE(s.matches({{"tier", "b"}, {"app", "x"}, {"canary", "no"}}));
  EXPECT_FALSE(s.matches({{"tier", "c"}, {"app", "x"}}));
  EXPECT_FALSE(s.matches({{"tier", "a"}, {"app", "x"}, {"canary", "yes"}}));
  EXPECT_FALSE(s.matches({{"tier", "a"}}));
  EXPECT_FALSE(s.matches({{"tier", "a"}, {"app", "x"}, {"legacy", ""}}));
}

TEST(LabelSelector, EmptySelectorIsRejectedAndMatchesNothing) {
  EXPECT_NE(parse_error("{}").find("empty"), std::string::npos);
  EXPECT_FALSE(LabelSelector{}.matches({{"a", "b"}}));
}

TEST(LabelSelector, HostileShapesAreErrorsNotCrashes) {
  parse_error("[]");
  parse_error(R"({"matchLabels":[]})");
  parse_error(R"({"matchLabels":{"a":1}})");
  parse_error(R"({"matchExpressions":{}})");
  parse_error(R"({"matchExpressions":[1]})");
  parse_error(R"({"matchExpressions":[{"key":"a"}]})");
  parse_error(R"({"matchExpressions":[{"key":"a","operator":"Like","values":["x"]}]})");
  parse_error(R"({"matchExpressions":[{"key":"a","operator":"In"}]})");
  parse_error(R"({"matchExpressions":[{"key":"a","operator":"In","values":[]}]})");
  parse_error(R"({"matchExpressions":[{"key":"a","operator":"Exists","values":["x"]}]})");
  parse_error(R"({"matchExpressions":[{"key":"a","operator":"In","values":[7]}]})");
}

TEST(LabelSelector, OversizedSelectorsAreRejected) {
  std::string many = R"({"matchLabels":{)";
  for (int i = 0; i < 65; ++i)
    many += (i ? "," : "") + std::string("\"k") + std::to_string(i) + "\":\"v\"";
  many += "}}";
  EXPECT_NE(parse_error(many).find("at most 64"), std::string::npos);
}

TEST(LabelSelector, ParseLabelsSkipsNonStrings) {
  auto doc = json(R"({"a":"1","b":2,"c":null,"d":"x"})");
  Labels l = parse_labels(&doc);
  EXPECT_EQ(l, (Labels{{"a", "1"}, {"d", "x"}}));
  EXPECT_TRUE(parse_labels(nullptr).empty());
  auto arr = json("[1]");
  EXPECT_TRUE(parse_labels(&arr).empty());
}

}  // namespace
}  // namespace trove::controller
