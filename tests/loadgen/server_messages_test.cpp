#include "server_messages.hpp"

#include <gtest/gtest.h>

#include <string>

namespace trove::loadgen {
namespace {

TEST(IngestAck, ParsesCountsAndRejections) {
  const auto a = parse_ingest_ack(
      R"({"seq":7,"accepted":62,"rejected":[{"index":3,"error":"x"},{"index":9,"error":"y"}]})");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->seq, 7u);
  EXPECT_EQ(a->accepted, 62u);
  EXPECT_EQ(a->rejected, 2u);
}

TEST(IngestAck, ToleratesWhitespaceAndExtraFields) {
  EXPECT_TRUE(parse_ingest_ack(" {\"rejected\":[], \"extra\":{}, \"accepted\":0, \"seq\":0}\n"));
}

TEST(IngestAck, RefusesAnythingElse) {
  for (const char* bad :
       {"", "null", "[]", "{}", "not json", R"({"seq":1,"accepted":2})",
        R"({"seq":1,"rejected":[]})", R"({"accepted":1,"rejected":[]})",
        R"({"seq":-1,"accepted":1,"rejected":[]})", R"({"seq":1,"accepted":"1","rejected":[]})",
        R"({"seq":1,"accepted":1.5,"rejected":[]})", R"({"seq":1,"accepted":1,"rejected":{}})",
        R"({"seq":1,"accepted":1,"rejected":[]} trailing)", R"({"seq":1,"accepted":1,"rejected":[)",
        R"({"seq":1,"accepted":99999999999999999999999,"rejected":[]})"})
    EXPECT_FALSE(parse_ingest_ack(bad)) << bad;
}

TEST(IngestAck, DeepNestingIsRefusedWithoutCrashing) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_FALSE(parse_ingest_ack(deep));
}

TEST(Timestamp, FoundAtTopLevelOrNested) {
  EXPECT_EQ(find_timestamp(R"({"box":1,"ts":1732712345678901,"x":1})"), 1732712345678901);
  EXPECT_EQ(find_timestamp(R"({"op":"push","box":5,"payload":{"state":"open","ts":42}})"), 42);
}

TEST(Timestamp, FirstTsWinsAndOtherKeysAreIgnored) {
  EXPECT_EQ(find_timestamp(R"({"tss":1,"a":{"ts":2},"ts":3})"), 2);
  EXPECT_EQ(find_timestamp(R"({"xts":1,"t":2})"), std::nullopt);
}

TEST(Timestamp, NonIntegerOrInvalidIsNone) {
  EXPECT_EQ(find_timestamp(R"({"ts":"123"})"), std::nullopt);
  EXPECT_EQ(find_timestamp(R"({"ts":1.5})"), std::nullopt);
  EXPECT_EQ(find_timestamp(R"({"ts":null,"b":7})"), std::nullopt);
  EXPECT_EQ(find_timestamp(R"({"ts":18446744073709551615})"), std::nullopt);
  EXPECT_EQ(find_timestamp(R"({"ts":12)"), std::nullopt);
  EXPECT_EQ(find_timestamp("\xff\xfe"), std::nullopt);
  EXPECT_EQ(find_timestamp(""), std::nullopt);
}

TEST(Timestamp, ValueAfterTsArrayDoesNotCount) {
  // "ts" names an array: the integer inside it is not a timestamp.
  EXPECT_EQ(find_timestamp(R"({"ts":[5],"n":6})"), std::nullopt);
}

TEST(Timestamp, DeepNestingDoesNotOverflowTheStack) {
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  EXPECT_EQ(find_timestamp(deep), std::nullopt);
}

TEST(ErrorMessage, DetectsTopLevelErrorOnly) {
  EXPECT_TRUE(is_error_message(R"({"error":"unknown box"})"));
  EXPECT_FALSE(is_error_message(R"({"box":1,"payload":{"error":"in payload"}})"));
  EXPECT_FALSE(is_error_message(R"("error")"));
  EXPECT_FALSE(is_error_message("{bad"));
}

}  // namespace
}  // namespace trove::loadgen
