// The `data` field (docs/api.md): any JSON value, checked and minified on the
// hot path, stored last in the payload; its limit (max_data_bytes, measured
// minified), depth, malformed JSON inside it, escapes kept as written.

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "ingest/ingest_pipeline.hpp"

namespace trove::ingest {
namespace {

struct DataHarness {
  explicit DataHarness(std::size_t max_data_bytes = kDefaultMaxDataBytes)
      : store({.max_boxes = 1024,
               .payload_max = payload_max_for(max_data_bytes),
               .huge_pages = false,
               .spill_bytes = std::size_t{16} << 20}),
        pipeline(store, &arena,
                 IngestConfig{.max_line_bytes = kSchemaLineBytes + max_data_bytes,
                              .max_data_bytes = max_data_bytes}) {}

  std::string payload(std::uint64_t box) const {
    std::array<char, store::kPayloadMaxLimit> buffer;
    const store::ReadResult r = store.read(box, buffer);
    return r.found ? std::string(buffer.data(), r.payload_size) : std::string("<absent>");
  }
  // The single line's rejection code, or "accepted".
  std::string outcome(const std::string& line) {
    const BatchResult r = pipeline.ingest(line);
    if (r.accepted == 1) return "accepted";
    if (r.rejections.size() != 1) return "?";
    return std::string(to_string(r.rejections[0].code)) + "/" + std::string(r.rejections[0].field);
  }

  memory::EpochArena arena{memory::EpochArenaConfig{.capacity_bytes = 8 * memory::kMiB}};
  store::BoxStore store;
  IngestPipeline pipeline;
};

// A JSON string value whose minified form is exactly `bytes` long.
std::string string_of_bytes(std::size_t bytes) {
  return "\"" + std::string(bytes - 2, 'd') + "\"";
}

TEST(DataField, AnObjectIsStoredMinifiedAfterTheSchemaFields) {
  DataHarness h;
  ASSERT_EQ(h.outcome(R"({"box":1,"data": { "a" : [1, 2 , {"b":null}],  "s":"x  y" },"x":1.5})"),
            "accepted");
  EXPECT_EQ(h.payload(1), R"({"box":1,"x":1.5,"data":{"a":[1,2,{"b":null}],"s":"x  y"}})");
  ASSERT_EQ(h.outcome(R"({"data":{"k":1},"box":2,"hunt":"h","state":"open","player":"p"})"),
            "accepted");
  EXPECT_EQ(h.payload(2), R"({"box":2,"state":"open","player":"p","data":{"k":1}})");
}

TEST(DataField, EveryKindOfJsonValueIsAccepted) {
  DataHarness h;
  const std::array<std::pair<const char*, const char*>, 8> cases = {{
      {R"([ 1 , "two" , [ ] , { } ])", R"([1,"two",[],{}])"},
      {R"("text")", R"("text")"},
      {"-12.5e+3 ", "-12.5e+3"},
      {"0", "0"},
      {"true", "true"},
      {"false", "false"},
      {"null", "null"},
      {"{}", "{}"},
  }};
  std::uint64_t box = 10;
  for (const auto& [given, stored] : cases) {
    ASSERT_EQ(h.outcome(R"({"box":)" + std::to_string(box) + R"(,"data":)" + given + "}"),
              "accepted")
        << given;
    EXPECT_EQ(h.payload(box), R"({"box":)" + std::to_string(box) + R"(,"data":)" + stored + "}");
    ++box;
  }
}

TEST(DataField, EachMessageReplacesTheDataAndAMessageWithoutDataDropsIt) {
  DataHarness h;
  ASSERT_EQ(h.outcome(R"({"box":3,"data":[1]})"), "accepted");
  ASSERT_EQ(h.outcome(R"({"box":3,"data":{"v":2}})"), "accepted");
  EXPECT_EQ(h.payload(3), R"({"box":3,"data":{"v":2}})");
  ASSERT_EQ(h.outcome(R"({"box":3,"state":"empty"})"), "accepted");
  EXPECT_EQ(h.payload(3), R"({"box":3,"state":"empty"})");
}

TEST(DataField, TheLimitCountsMinifiedBytesUpToTheLastOne) {
  DataHarness h;  // 1024 bytes
  EXPECT_EQ(h.outcome(R"({"box":4,"data":)" + string_of_bytes(1024) + "}"), "accepted");
  EXPECT_EQ(h.payload(4).size(), std::string(R"({"box":4,"data":})").size() + 1024);
  EXPECT_EQ(h.outcome(R"({"box":4,"data":)" + string_of_bytes(1025) + "}"), "data_too_large/data");
  // Whitespace outside strings is not stored, so it does not count.
  const std::string spaced = "[" + std::string(2000, ' ') + string_of_bytes(1022) + "]";
  EXPECT_EQ(h.outcome(R"({"box":5,"data":)" + spaced + "}"), "accepted");
}

TEST(DataField, BigNestedDataUpTo64KiBIsStoredAndReadBack) {
  DataHarness h(kMaxDataBytesLimit);
  std::string data = R"({"rows":[)";
  for (int i = 0; data.size() < 60000; ++i) {
    data += (i == 0 ? "" : ",") + std::string(R"({"id":)") + std::to_string(i) +
            R"(,"tags":["a","b"],"pos":{"x":1.25,"y":-2}})";
  }
  data += "]}";
  ASSERT_EQ(h.outcome(R"({"box":6,"data":)" + data + "}"), "accepted");
  EXPECT_EQ(h.payload(6), R"({"box":6,"data":)" + data + "}");
  EXPECT_GT(h.store.spill().used_bytes(), data.size());
  EXPECT_EQ(h.outcome(R"({"box":7,"data":)" + string_of_bytes(kMaxDataBytesLimit) + "}"),
            "accepted");
  EXPECT_EQ(h.outcome(R"({"box":7,"data":)" + string_of_bytes(kMaxDataBytesLimit + 1) + "}"),
            "data_too_large/data");
}

TEST(DataField, NestingCountsTowardTheMessageDepthLimit) {
  DataHarness h;  // max_depth 8: the message object, then 7 levels of data
  EXPECT_EQ(h.outcome(R"({"box":8,"data":[[[[[[[1]]]]]]]})"), "accepted");
  EXPECT_EQ(h.outcome(R"({"box":8,"data":[[[[[[[[1]]]]]]]]})"), "too_deep/data");
  EXPECT_EQ(h.outcome(R"({"box":8,"data":{"a":{"b":{"c":{"d":{"e":{"f":{"g":{}}}}}}}}})"),
            "too_deep/data");
}

TEST(DataField, MalformedJsonInsideDataIsRejected) {
  DataHarness h;
  for (const char* data : {R"({"a":tru})", R"({"a" 1})", "[1,]", R"({"a":1,})", "01", "1.",
                           R"("\x")", R"("\ud800")", R"("\udc00x")", R"("\ud800\u0041")",
                           "\"a\tb\"", R"({"a":[1}])", R"([1 2])", "-", R"({1:2})", "nul"}) {
    const std::string outcome = h.outcome(R"({"box":9,"data":)" + std::string(data) + "}\n");
    EXPECT_TRUE(outcome == "malformed_json/data" || outcome.starts_with("malformed_json/"))
        << data << " -> " << outcome;
  }
  EXPECT_EQ(h.outcome(R"({"box":9,"data":{"a":[1,2)"), "truncated/");
  EXPECT_EQ(h.payload(9), "<absent>");
}

// Found by fuzz_ingest_differential: a string `data` followed by content
// that is no JSON object member passed, because On-Demand does not check
// what follows a value nobody read.
TEST(DataField, WhatFollowsAScalarDataMustStillBeJson) {
  DataHarness h;
  EXPECT_EQ(h.outcome(R"({"box":36,"data":"qq":  0]})"
                      "\n"),
            "malformed_json/");
  EXPECT_EQ(h.outcome(R"({"box":36,"data":"qq":  0]})"), "truncated/");
  EXPECT_EQ(h.outcome(R"({"box":36,"data":true:  0]})"
                      "\n"),
            "malformed_json/");
  EXPECT_EQ(h.outcome(R"({"box":36,"data":null 1})"
                      "\n"),
            "malformed_json/");
  EXPECT_EQ(h.outcome(R"({"box":36,"data":"ok","state":"open"})"), "accepted");
}

TEST(DataField, EscapesAndUnicodeAreKeptAsWritten) {
  DataHarness h;
  const std::string data = R"({"e":"\u00e9\ud83d\ude00","raw":"é😀","q":"\"\\\/\b\f\n\r\t"})";
  ASSERT_EQ(h.outcome(R"({"box":11,"data":)" + data + "}"), "accepted");
  EXPECT_EQ(h.payload(11), R"({"box":11,"data":)" + data + "}");
}

TEST(DataField, DataTwiceIsADuplicateAndZeroMaxDataBytesRefusesAll) {
  DataHarness h;
  EXPECT_EQ(h.outcome(R"({"box":12,"data":1,"data":2})"), "duplicate_field/data");
  DataHarness none(0);
  EXPECT_EQ(none.outcome(R"({"box":12,"data":null})"), "data_too_large/data");
  EXPECT_EQ(none.outcome(R"({"box":12})"), "accepted");
}

TEST(DataField, AnEscapedSpellingOfDataIsAnUnknownField) {
  DataHarness h;
  ASSERT_EQ(h.outcome(R"({"box":13,"d\u0061ta":{"a":1}})"), "accepted");
  EXPECT_EQ(h.payload(13), R"({"box":13})");
}

}  // namespace
}  // namespace trove::ingest
