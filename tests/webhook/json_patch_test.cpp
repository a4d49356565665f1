#include "webhook/json_patch.hpp"

#include <gtest/gtest.h>

#include "apply_patch.hpp"
#include "test_json.hpp"
#include "webhook/base64.hpp"

namespace trove::webhook {
namespace {

using test_json::json;

TEST(PointerEscape, SlashAndTildeAreEscapedTildeFirst) {
  EXPECT_EQ(escape_pointer_token("trove.dev/sidecar"), "trove.dev~1sidecar");
  EXPECT_EQ(escape_pointer_token("a~b"), "a~0b");
  // "~1" in a key is a tilde then a one, not a slash.
  EXPECT_EQ(escape_pointer_token("~1/"), "~01~1");
  EXPECT_EQ(escape_pointer_token(""), "");
}

TEST(JsonPatch, AddOperationsRoundTripThroughAnRfcApplier) {
  JsonPatch patch;
  EXPECT_TRUE(patch.empty());
  auto value = json(R"({"x":1})");
  patch.add("/metadata/labels/" + escape_pointer_token("trove.dev/sidecar"), json(R"("true")"));
  patch.add("/metadata/labels/" + escape_pointer_token("odd~key/"), json(R"("v")"));
  patch.add("/spec/list/-", value);
  EXPECT_EQ(patch.size(), 3u);
  auto doc = json(R"({"metadata":{"labels":{"app":"a"}},"spec":{"list":[]}})");
  test::apply_patch(doc, patch.to_json());
  EXPECT_STREQ(doc["metadata"]["labels"]["trove.dev/sidecar"].GetString(), "true");
  EXPECT_STREQ(doc["metadata"]["labels"]["odd~key/"].GetString(), "v");
  EXPECT_FALSE(doc["metadata"].HasMember("trove.dev"));
  EXPECT_EQ(doc["spec"]["list"][0]["x"].GetInt(), 1);
}

TEST(JsonPatch, ValuesAreCopiedNotMoved) {
  JsonPatch patch;
  auto value = json(R"({"name":"keep"})");
  patch.add("/a", value);
  EXPECT_STREQ(value["name"].GetString(), "keep");
  EXPECT_EQ(patch.to_json(), R"([{"op":"add","path":"/a","value":{"name":"keep"}}])");
}

TEST(Base64, EncodesEveryPaddingCase) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode(std::string("\xff\x00\xfe", 3)), "/wD+");
}

}  // namespace
}  // namespace trove::webhook
