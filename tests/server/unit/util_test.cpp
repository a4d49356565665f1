#include <gtest/gtest.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "trove/common/http_types.hpp"
#include "trove/common/json.hpp"
#include "trove/common/process.hpp"
#include "trove/common/prometheus_text.hpp"
#include "trove/common/token.hpp"

namespace trove::common {
namespace {

TEST(ConstantTimeEquals, ComparesContentAndLength) {
  EXPECT_TRUE(constant_time_equals("abc", "abc"));
  EXPECT_TRUE(constant_time_equals("", ""));
  EXPECT_FALSE(constant_time_equals("abc", "abd"));
  EXPECT_FALSE(constant_time_equals("abc", "ab"));
  EXPECT_FALSE(constant_time_equals("ab", "abc"));
  EXPECT_FALSE(constant_time_equals("abc", ""));
  // A zero byte padding must not make a shorter input equal.
  EXPECT_FALSE(constant_time_equals(std::string_view("ab\0", 3), "ab"));
}

TEST(BearerToken, ExtractsOnlyBearerScheme) {
  EXPECT_EQ(bearer_token("Bearer tok"), "tok");
  EXPECT_EQ(bearer_token("BEARER  tok "), "tok");
  EXPECT_EQ(bearer_token("Bearer "), "");
  EXPECT_EQ(bearer_token("Basic tok"), "");
  EXPECT_EQ(bearer_token(""), "");
}

TEST(ReadTokenFile, StripsTrailingNewlineAndRejectsEmptyOrMissing) {
  const std::string path = testing::TempDir() + "/trove_token_test";
  std::ofstream(path) << "tok\n";
  EXPECT_EQ(read_token_file(path), "tok");
  std::ofstream(path) << "\n";
  EXPECT_THROW(read_token_file(path), std::runtime_error);
  std::remove(path.c_str());
  EXPECT_THROW(read_token_file(path), std::runtime_error);
}

TEST(TokenFile, AMissingPathStartsWithoutATokenAndTakesTheFileOnceItAppears) {
  // An optional Secret volume before the operator has created the Secret.
  const std::string path = testing::TempDir() + "/trove_token_file_later";
  std::remove(path.c_str());
  TokenFile file(path);
  EXPECT_EQ(file.current(), "");
  std::ofstream(path) << "later\n";
  // current() re-checks at most once per kRecheck; allow many rechecks.
  constexpr auto kDeadline = std::chrono::seconds(10);
  const auto start = std::chrono::steady_clock::now();
  std::string token;
  while ((token = file.current()).empty() && std::chrono::steady_clock::now() - start < kDeadline) {
    std::this_thread::sleep_for(TokenFile::kRecheck / 5);
  }
  EXPECT_EQ(token, "later");
  std::remove(path.c_str());
}

TEST(TokenFile, AnExistingPathWithoutATokenStillFailsTheStart) {
  const std::string path = testing::TempDir() + "/trove_token_file_empty";
  std::ofstream(path) << "\n";
  EXPECT_THROW(TokenFile{path}, std::runtime_error);
  std::remove(path.c_str());
  EXPECT_THROW(TokenFile{testing::TempDir()}, std::runtime_error);  // a directory
}

TEST(Json, ParseReportsOffsetAndRequiresObject) {
  rapidjson::Document doc;
  EXPECT_FALSE(parse_json(R"({"a":1})", doc).has_value());
  auto err = parse_json(R"({"a":)", doc);
  ASSERT_TRUE(err.has_value());
  EXPECT_NE(err->find("offset"), std::string::npos);
  EXPECT_TRUE(parse_json("[1]", doc).has_value());
  EXPECT_FALSE(parse_json("[1]", doc, false).has_value());
  // Hostile nesting is parsed without recursion (no stack overflow).
  EXPECT_FALSE(parse_json(std::string(1000000, '[') + std::string(1000000, ']'), doc, false));
}

TEST(Json, GetUint64MemberDistinguishesMissingAndWrongType) {
  rapidjson::Document doc;
  ASSERT_FALSE(parse_json(R"({"a":5,"b":-1,"c":"x","d":1.5})", doc));
  std::uint64_t v = 0;
  EXPECT_EQ(get_uint64_member(doc, "a", v), JsonFieldStatus::kOk);
  EXPECT_EQ(v, 5u);
  EXPECT_EQ(get_uint64_member(doc, "b", v), JsonFieldStatus::kWrongType);
  EXPECT_EQ(get_uint64_member(doc, "c", v), JsonFieldStatus::kWrongType);
  EXPECT_EQ(get_uint64_member(doc, "d", v), JsonFieldStatus::kWrongType);
  EXPECT_EQ(get_uint64_member(doc, "z", v), JsonFieldStatus::kMissing);
}

TEST(Json, AppendJsonStringEscapesControlAndQuotes) {
  std::string out;
  append_json_string(out, std::string_view("a\"b\\c\n\x01", 7));
  EXPECT_EQ(out, R"("a\"b\\c\n\u0001")");
  EXPECT_EQ(HttpResponse::json_error(400, "bad", "arenaBytes").body,
            R"({"error":"bad","field":"arenaBytes"})");
}

TEST(Process, ParsesStatmAndReadsOwnRss) {
  EXPECT_EQ(parse_statm_resident_bytes("100 25 3 1 0 10 0", 4096), 25u * 4096u);
  EXPECT_FALSE(parse_statm_resident_bytes("garbage", 4096).has_value());
  EXPECT_FALSE(parse_statm_resident_bytes("1 x", 4096).has_value());
  auto rss = read_process_rss_bytes();
  ASSERT_TRUE(rss.has_value());
  EXPECT_GT(*rss, 1024u * 1024u);  // any test binary holds more than 1 MiB
}

TEST(PrometheusText, SerializesHelpTypeAndValue) {
  prometheus::Registry registry;
  auto& family =
      prometheus::BuildCounter().Name("trove_test_total").Help("a test counter").Register(registry);
  family.Add({{"k", "v"}}).Increment(3);
  const std::string text = serialize_prometheus_text(registry);
  EXPECT_NE(text.find("# HELP trove_test_total a test counter"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE trove_test_total counter"), std::string::npos) << text;
  EXPECT_NE(text.find("trove_test_total{k=\"v\"} 3"), std::string::npos) << text;
}

TEST(HttpRequest, PathQueryAndHeaderLookup) {
  HttpRequest r;
  r.target = "/a/b?x=1";
  r.headers.emplace_back("Content-Type", "text/plain");
  EXPECT_EQ(r.path(), "/a/b");
  EXPECT_EQ(r.query(), "x=1");
  EXPECT_EQ(r.header("content-type"), "text/plain");
  EXPECT_EQ(r.header("missing"), "");
}

}  // namespace
}  // namespace trove::common
