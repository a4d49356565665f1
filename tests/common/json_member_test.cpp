#include <gtest/gtest.h>

#include <string>

#include "trove/common/json.hpp"

namespace trove::common {
namespace {

rapidjson::Document parsed(std::string_view text) {
  rapidjson::Document doc;
  EXPECT_FALSE(parse_json(text, doc, /*require_object=*/false)) << text;
  return doc;
}

TEST(FindMember, NullAndNonObjectsHaveNoMembers) {
  const rapidjson::Value* none = nullptr;
  EXPECT_EQ(find_member(none, "a"), nullptr);
  for (const char* text : {"null", "[1,2]", R"("a")", "7", "true"}) {
    const rapidjson::Document doc = parsed(text);
    EXPECT_EQ(find_member(doc, "a"), nullptr) << text;
    EXPECT_EQ(find_member(&doc, "a"), nullptr) << text;
  }
}

TEST(FindMember, MissingAndPresent) {
  const rapidjson::Document doc = parsed(R"({"a":1,"b":null,"":"empty"})");
  EXPECT_EQ(find_member(doc, "c"), nullptr);
  ASSERT_NE(find_member(doc, "a"), nullptr);
  EXPECT_EQ(find_member(doc, "a")->GetInt(), 1);
  ASSERT_NE(find_member(doc, "b"), nullptr) << "a null member is present";
  EXPECT_TRUE(find_member(doc, "b")->IsNull());
  ASSERT_NE(find_member(doc, ""), nullptr);
  EXPECT_EQ(find_member(doc, "A"), nullptr) << "names are case-sensitive";
}

TEST(FindMember, NamesAreComparedByLengthNotUpToAZeroByte) {
  const rapidjson::Document doc = parsed(R"({"a\u0000b":1,"a":2})");
  ASSERT_NE(find_member(doc, std::string_view("a\0b", 3)), nullptr);
  EXPECT_EQ(find_member(doc, std::string_view("a\0b", 3))->GetInt(), 1);
  EXPECT_EQ(find_member(doc, "a")->GetInt(), 2);
}

TEST(FindMember, DuplicateMembersFindTheFirst) {
  const rapidjson::Document doc = parsed(R"({"a":1,"a":2})");
  ASSERT_NE(find_member(doc, "a"), nullptr);
  EXPECT_EQ(find_member(doc, "a")->GetInt(), 1);
}

TEST(TypedMembers, ReturnTheValueOnlyForTheirType) {
  const rapidjson::Document doc = parsed(
      R"({"s":"text","u":18446744073709551615,"i":-5,"small":7,"f":1.5,"b":false,"n":null})");
  EXPECT_EQ(string_member(doc, "s"), "text");
  EXPECT_EQ(string_member(doc, "small"), std::nullopt);
  EXPECT_EQ(string_member(nullptr, "s"), std::nullopt);
  EXPECT_EQ(uint64_member(&doc, "u"), UINT64_MAX);
  EXPECT_EQ(uint64_member(&doc, "i"), std::nullopt) << "negative";
  EXPECT_EQ(uint64_member(&doc, "f"), std::nullopt) << "fraction";
  EXPECT_EQ(int64_member(&doc, "i"), -5);
  EXPECT_EQ(int64_member(&doc, "u"), std::nullopt) << "above int64";
  EXPECT_EQ(int_member(&doc, "small"), 7);
  EXPECT_EQ(int_member(&doc, "s"), std::nullopt);
  EXPECT_EQ(bool_member(&doc, "b"), false);
  EXPECT_EQ(bool_member(&doc, "n"), std::nullopt);
  EXPECT_EQ(bool_member(&doc, "missing"), std::nullopt);
  const rapidjson::Document array = parsed("[1]");
  EXPECT_EQ(uint64_member(&array, "0"), std::nullopt);
}

TEST(TypedMembers, IntRefusesWhatDoesNotFitAnInt) {
  const rapidjson::Document doc = parsed(R"({"big":2147483648,"low":-2147483649})");
  EXPECT_EQ(int_member(&doc, "big"), std::nullopt);
  EXPECT_EQ(int_member(&doc, "low"), std::nullopt);
  EXPECT_EQ(int64_member(&doc, "low"), -2147483649LL);
}

}  // namespace
}  // namespace trove::common
