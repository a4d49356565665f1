#include <gtest/gtest.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <cstdio>
#include <fstream>

#include "trove/common/http_types.hpp"
#include "trove/common/json.hpp"
#include "trove/common/process.hpp"
#include "trove/common/prometheus_text.hpp"
#include "trove/common/token.hpp"

namespace trove::common {
namespace {

TEST(ConstantTimeEquals, ComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  EXPECT_FALSE(ConstantTimeEquals("ab", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", ""));
  // A zero byte padding must not make a shorter input equal.
  EXPECT_FALSE(ConstantTimeEquals(std::string_view("ab\0", 3), "ab"));
}

TEST(BearerToken, ExtractsOnlyBearerScheme) {
  EXPECT_EQ(BearerToken("Bearer tok"), "tok");
  EXPECT_EQ(BearerToken("BEARER  tok "), "tok");
  EXPECT_EQ(BearerToken("Bearer "), "");
  EXPECT_EQ(BearerToken("Basic tok"), "");
  EXPECT_EQ(BearerToken(""), "");
}

TEST(ReadTokenFile, StripsTrailingNewlineAndRejectsEmptyOrMissing) {
  const std::string path = testing::TempDir() + "/trove_token_test";
  std::ofstream(path) << "tok\n";
  EXPECT_EQ(ReadTokenFile(path), "tok");
  std::ofstream(path) << "\n";
  EXPECT_THROW(ReadTokenFile(path), std::runtime_error);
  std::remove(path.c_str());
  EXPECT_THROW(ReadTokenFile(path), std::runtime_error);
}

TEST(Json, ParseReportsOffsetAndRequiresObject) {
  rapidjson::Document doc;
  EXPECT_FALSE(ParseJson(R"({"a":1})", doc).has_value());
  auto err = ParseJson(R"({"a":)", doc);
  ASSERT_TRUE(err.has_value());
  EXPECT_NE(err->find("offset"), std::string::npos);
  EXPECT_TRUE(ParseJson("[1]", doc).has_value());
  EXPECT_FALSE(ParseJson("[1]", doc, false).has_value());
  // Hostile nesting is parsed without recursion (no stack overflow).
  EXPECT_FALSE(ParseJson(std::string(1000000, '[') + std::string(1000000, ']'), doc, false));
}

TEST(Json, GetUint64MemberDistinguishesMissingAndWrongType) {
  rapidjson::Document doc;
  ASSERT_FALSE(ParseJson(R"({"a":5,"b":-1,"c":"x","d":1.5})", doc));
  std::uint64_t v = 0;
  EXPECT_EQ(GetUint64Member(doc, "a", v), JsonFieldStatus::kOk);
  EXPECT_EQ(v, 5u);
  EXPECT_EQ(GetUint64Member(doc, "b", v), JsonFieldStatus::kWrongType);
  EXPECT_EQ(GetUint64Member(doc, "c", v), JsonFieldStatus::kWrongType);
  EXPECT_EQ(GetUint64Member(doc, "d", v), JsonFieldStatus::kWrongType);
  EXPECT_EQ(GetUint64Member(doc, "z", v), JsonFieldStatus::kMissing);
}

TEST(Json, AppendJsonStringEscapesControlAndQuotes) {
  std::string out;
  AppendJsonString(out, std::string_view("a\"b\\c\n\x01", 7));
  EXPECT_EQ(out, R"("a\"b\\c\n\u0001")");
  EXPECT_EQ(HttpResponse::JsonError(400, "bad", "arenaBytes").body,
            R"({"error":"bad","field":"arenaBytes"})");
}

TEST(Process, ParsesStatmAndReadsOwnRss) {
  EXPECT_EQ(ParseStatmResidentBytes("100 25 3 1 0 10 0", 4096), 25u * 4096u);
  EXPECT_FALSE(ParseStatmResidentBytes("garbage", 4096).has_value());
  EXPECT_FALSE(ParseStatmResidentBytes("1 x", 4096).has_value());
  auto rss = ReadProcessRssBytes();
  ASSERT_TRUE(rss.has_value());
  EXPECT_GT(*rss, 1024u * 1024u);  // any test binary holds more than 1 MiB
}

TEST(PrometheusText, SerializesHelpTypeAndValue) {
  prometheus::Registry registry;
  auto& family =
      prometheus::BuildCounter().Name("trove_test_total").Help("a test counter").Register(registry);
  family.Add({{"k", "v"}}).Increment(3);
  const std::string text = SerializePrometheusText(registry);
  EXPECT_NE(text.find("# HELP trove_test_total a test counter"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE trove_test_total counter"), std::string::npos) << text;
  EXPECT_NE(text.find("trove_test_total{k=\"v\"} 3"), std::string::npos) << text;
}

TEST(HttpRequest, PathQueryAndHeaderLookup) {
  HttpRequest r;
  r.target = "/a/b?x=1";
  r.headers.emplace_back("Content-Type", "text/plain");
  EXPECT_EQ(r.Path(), "/a/b");
  EXPECT_EQ(r.Query(), "x=1");
  EXPECT_EQ(r.Header("content-type"), "text/plain");
  EXPECT_EQ(r.Header("missing"), "");
}

}  // namespace
}  // namespace trove::common
