#include "ingest_batch.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <sstream>
#include <string>
#include <vector>

#include "test_json.hpp"

namespace trove::loadgen {
namespace {

using test_json::at;

std::vector<std::string> lines_of(const std::string& batch) {
  std::vector<std::string> out;
  std::stringstream ss(batch);
  for (std::string line; std::getline(ss, line);)
    out.push_back(line);
  return out;
}

TEST(IngestBatch, EveryLineIsTheReferenceMessageWithItsBoxAndTs) {
  IngestBatchBuilder b({100, 199}, 0);
  std::string out;
  b.build(out, 64, 1732712345678901);
  ASSERT_EQ(out.back(), '\n');
  const auto lines = lines_of(out);
  ASSERT_EQ(lines.size(), 64u);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    rapidjson::Document d;
    d.Parse(lines[i].data(),
            lines[i].size());  // sized: NUL-terminated parsing with SSE4.2 reads past the end
    ASSERT_FALSE(d.HasParseError()) << lines[i];
    EXPECT_EQ(at(d, "/box").GetUint64(), 100 + i);
    EXPECT_EQ(at(d, "/ts").GetInt64(), 1732712345678901);
    EXPECT_STREQ(at(d, "/hunt").GetString(), "spring");
    EXPECT_STREQ(at(d, "/state").GetString(), "open");
    EXPECT_STREQ(at(d, "/player").GetString(), "p-8812");
    EXPECT_DOUBLE_EQ(at(d, "/x").GetDouble(), 12.5);
    EXPECT_DOUBLE_EQ(at(d, "/y").GetDouble(), -3.25);
  }
}

TEST(IngestBatch, BoxIdsWrapAroundTheRange) {
  IngestBatchBuilder b({5, 7}, 2);  // starts at 7
  std::string out;
  b.build(out, 5, 1);
  const auto lines = lines_of(out);
  std::vector<std::uint64_t> boxes;
  for (const auto& l : lines) {
    rapidjson::Document d;
    d.Parse(l.data(), l.size());
    boxes.push_back(at(d, "/box").GetUint64());
  }
  EXPECT_EQ(boxes, (std::vector<std::uint64_t>{7, 5, 6, 7, 5}));
  EXPECT_EQ(b.next_box(), 6u);
}

TEST(IngestBatch, SingleBoxRangeAndLargestIds) {
  IngestBatchBuilder b({UINT64_MAX - 1, UINT64_MAX - 1}, 0);
  std::string out;
  b.build(out, 2, 0);
  EXPECT_EQ(lines_of(out).size(), 2u);
  EXPECT_NE(out.find("18446744073709551614"), std::string::npos);
}

TEST(Clocks, RealtimeIsMicrosecondsSinceEpochAndMonotonicMoves) {
  const auto us = realtime_micros();
  EXPECT_GT(us, 1'700'000'000'000'000);  // after Nov 2023, in µs
  EXPECT_LT(us, 4'000'000'000'000'000);  // not ns
  const auto a = monotonic_nanos();
  const auto b = monotonic_nanos();
  EXPECT_GE(b, a);
}

}  // namespace
}  // namespace trove::loadgen
