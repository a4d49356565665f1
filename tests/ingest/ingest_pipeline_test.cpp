// IngestPipeline: valid input, every kind of bad input (each rejected with a
// specific reason while the rest of the batch is stored), limits, counters,
// the observer, and the three allocation strategies.

#include "ingest/ingest_pipeline.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <tuple>
#include <vector>

namespace trove::ingest {
namespace {

constexpr std::string_view kReference =
    R"({"box":123456,"hunt":"spring","x":12.5,"y":-3.25,"state":"open","ts":1732712345678,"player":"p-8812"})";
constexpr std::string_view kReferencePayload =
    R"({"box":123456,"state":"open","x":12.5,"y":-3.25,"ts":1732712345678,"player":"p-8812"})";

struct Harness {
  explicit Harness(IngestConfig config = {},
                   store::BoxStoreConfig store_config = {.max_boxes = 1024})
      : store(store_config), pipeline(store, &arena, config) {}

  std::string payload(std::uint64_t box) const {
    std::array<char, store::kPayloadMaxLimit> buffer{};
    const store::ReadResult r = store.read(box, buffer);
    return r.found ? std::string(buffer.data(), r.payload_size) : std::string("<absent>");
  }
  std::string hunt(std::uint64_t box) const {
    std::array<char, store::kDefaultPayloadMax> buffer{};
    std::array<char, store::kMaxHuntBytes> hunt_buffer{};
    const store::ReadResult r = store.read(box, buffer, hunt_buffer);
    return std::string(hunt_buffer.data(), r.hunt_size);
  }

  memory::EpochArena arena{memory::EpochArenaConfig{.capacity_bytes = 8 * memory::kMiB}};
  store::BoxStore store;
  IngestPipeline pipeline;
};

TEST(IngestPipeline, StoresTheReferenceMessageAsItsCompactPayload) {
  Harness h;
  const BatchResult r = h.pipeline.ingest(kReference);
  EXPECT_EQ(r.accepted, 1U);
  EXPECT_EQ(r.rejected, 0U);
  EXPECT_TRUE(r.rejections.empty());
  EXPECT_EQ(h.payload(123456), kReferencePayload);
  EXPECT_EQ(h.hunt(123456), "spring");
  EXPECT_EQ(h.store.version(123456), 1U);
}

TEST(IngestPipeline, OnlyBoxIsRequiredAndAbsentFieldsAreAbsentFromThePayload) {
  Harness h;
  EXPECT_EQ(h.pipeline.ingest(R"({"box":9})").accepted, 1U);
  EXPECT_EQ(h.payload(9), R"({"box":9})");
  EXPECT_EQ(h.pipeline.ingest(R"({"state":"claimed","box":9,"x":-0.5})").accepted, 1U);
  EXPECT_EQ(h.payload(9), R"({"box":9,"state":"claimed","x":-0.5})");
}

// Found by fuzz_ingest_differential (tests/ingest/regressions/
// long_decimal_coordinate): simdjson 3.0.1 read this as 1.15e-9.
TEST(IngestPipeline, ACoordinateOfManyDigitsIsReadExactly) {
  Harness h;
  const auto r = h.pipeline.ingest(R"({"box":1,"x":0.1922337203685477580795516150})");
  ASSERT_EQ(r.accepted, 1U);
  EXPECT_EQ(h.payload(1), R"({"box":1,"x":0.19223372036854774})");
}

TEST(IngestPipeline, UnknownFieldsAreIgnored) {
  Harness h;
  const BatchResult r = h.pipeline.ingest(
      R"({"box":5,"color":"red","meta":{"a":[1,2,{"b":null}]},"tags":[],"n":1e999,"state":"empty"})");
  EXPECT_EQ(r.accepted, 1U) << (r.rejections.empty() ? "" : r.rejections[0].reason);
  EXPECT_EQ(h.payload(5), R"({"box":5,"state":"empty"})");
}

// Found by fuzz_ingest_differential (tests/ingest/regressions/
// unknown_container_lone_surrogate): a lone UTF-16 surrogate escape inside an
// unknown field's container passed, though simdjson refuses it in any string
// it reads.
TEST(IngestPipeline, ALoneSurrogateEscapeInsideAnUnknownContainerIsMalformed) {
  Harness h;
  const BatchResult r = h.pipeline.ingest(
      "{\"box\":14,\"meta\":{\"k\":[1,\"\\ud800\"]}}\n{\"box\":15,\"meta\":[\"\\udc00\"]}\n"
      "{\"box\":16,\"meta\":[\"\\ud83d\\ude00\"]}\n");
  EXPECT_EQ(r.accepted, 1U);
  ASSERT_EQ(r.rejections.size(), 2U);
  EXPECT_EQ(r.rejections[0].code, RejectCode::malformed_json);
  EXPECT_EQ(r.rejections[1].code, RejectCode::malformed_json);
  EXPECT_EQ(h.payload(16), R"({"box":16})");
}

TEST(IngestPipeline, StringsAreUnescapedThenRenderedAsValidJson) {
  Harness h;
  ASSERT_EQ(h.pipeline.ingest(R"({"box":3,"player":"J\u00fcrgen \"the\" \\ one","hunt":"h\u0041"})")
                .accepted,
            1U);
  EXPECT_EQ(h.payload(3), "{\"box\":3,\"player\":\"J\xc3\xbcrgen \\\"the\\\" \\\\ one\"}");
  EXPECT_EQ(h.hunt(3), "hA");
}

TEST(IngestPipeline, AMessageWithoutHuntKeepsTheBoxsHunt) {
  Harness h;
  h.pipeline.ingest(R"({"box":4,"hunt":"winter"})");
  h.pipeline.ingest(R"({"box":4,"state":"open"})");
  EXPECT_EQ(h.hunt(4), "winter");
}

TEST(IngestPipeline, HandlesCrLfFinalNewlineAndNoFinalNewline) {
  Harness h;
  BatchResult r = h.pipeline.ingest("{\"box\":1}\r\n{\"box\":2}\r\n");
  EXPECT_EQ(r.accepted, 2U);
  EXPECT_EQ(r.rejected, 0U);
  r = h.pipeline.ingest("{\"box\":3}\n{\"box\":4}");
  EXPECT_EQ(r.accepted, 2U);
  EXPECT_EQ(r.rejected, 0U);
  EXPECT_EQ(h.pipeline.ingest("").accepted + h.pipeline.ingest("").rejected, 0U);
}

TEST(IngestPipeline, ObserverSeesEveryStoredMessageWithItsHuntVersionAndPayload) {
  Harness h;
  std::vector<std::tuple<std::uint64_t, std::string, std::uint64_t>> seen;
  std::vector<std::string> payloads;
  h.pipeline.set_observer([&](std::uint64_t box, std::string_view hunt, std::uint64_t version,
                              std::string_view payload) {
    seen.emplace_back(box, std::string(hunt), version);
    payloads.emplace_back(payload);
  });
  h.pipeline.ingest(std::string(kReference) + "\n{\"box\":\"bad\"}\n{\"box\":123456,\"x\":1}\n");
  ASSERT_EQ(seen.size(), 2U) << "rejected messages are not observed";
  EXPECT_EQ(seen[0],
            std::make_tuple(std::uint64_t{123456}, std::string("spring"), std::uint64_t{1}));
  EXPECT_EQ(seen[1],
            std::make_tuple(std::uint64_t{123456}, std::string("spring"), std::uint64_t{2}));
  // The payload as stored, what the state log records.
  EXPECT_EQ(payloads[1], R"({"box":123456,"x":1})");
}

TEST(IngestPipeline, CountsMessagesAndBytes) {
  Harness h;
  const std::string batch = std::string(kReference) + "\n{oops}\n" + std::string(kReference) + "\n";
  h.pipeline.ingest(batch);
  const IngestCounters& c = h.pipeline.counters();
  EXPECT_EQ(c.accepted_messages.load(), 2U);
  EXPECT_EQ(c.rejected_messages.load(), 1U);
  EXPECT_EQ(c.accepted_bytes.load(), 2 * kReference.size());
  EXPECT_EQ(c.rejected_bytes.load(), 6U);
  EXPECT_EQ(c.batches.load(), 1U);
}

// One bad line between two good ones: it is rejected with its index and a
// specific reason, and both neighbours are stored.
struct BadLine {
  const char* name;
  std::string line;
  RejectCode code;
  std::string_view field;
};

void PrintTo(const BadLine& bad, std::ostream* os) {
  *os << bad.name;
}

class BadInput : public ::testing::TestWithParam<BadLine> {};

TEST_P(BadInput, IsRejectedSpecificallyAndTheRestOfTheBatchIsStored) {
  const BadLine& bad = GetParam();
  Harness h;
  const std::string batch = "{\"box\":1001}\n" + bad.line + "\n{\"box\":1002}\n";
  const BatchResult r = h.pipeline.ingest(batch);
  EXPECT_EQ(r.accepted, 2U);
  ASSERT_EQ(r.rejected, 1U);
  ASSERT_EQ(r.rejections.size(), 1U);
  EXPECT_EQ(r.rejections[0].index, 1U);
  EXPECT_EQ(to_string(r.rejections[0].code), to_string(bad.code)) << r.rejections[0].reason;
  EXPECT_EQ(r.rejections[0].field, bad.field);
  EXPECT_FALSE(r.rejections[0].reason.empty());
  EXPECT_EQ(h.payload(1001), R"({"box":1001})");
  EXPECT_EQ(h.payload(1002), R"({"box":1002})");
}

std::string deep(int levels) {
  return R"({"box":1,"extra":)" + std::string(static_cast<std::size_t>(levels), '[') + "1" +
         std::string(static_cast<std::size_t>(levels), ']') + "}";
}

INSTANTIATE_TEST_SUITE_P(
    Ingest, BadInput,
    ::testing::Values(
        BadLine{"double_comma", R"({"box":1,,"x":1})", RejectCode::malformed_json, ""},
        BadLine{"missing_comma", R"({"box":1 "x":2})", RejectCode::malformed_json, ""},
        BadLine{"bare_word", R"(hello)", RejectCode::malformed_json, ""},
        BadLine{"bad_escape", R"({"box":1,"player":"a\qb"})", RejectCode::malformed_json, ""},
        // Found by fuzz_ingest_differential (tests/ingest/regressions/
        // unknown_field_number_then_null): unknown fields' scalars were
        // skipped unchecked, so invalid JSON was accepted.
        BadLine{"unknown_number_then_literal", R"({"box":1,"":1null})", RejectCode::malformed_json,
                ""},
        BadLine{"unknown_bad_literal", R"({"box":1,"a":tru})", RejectCode::malformed_json, ""},
        BadLine{"unknown_bad_escape", R"({"box":1,"a":"\q"})", RejectCode::malformed_json, ""},
        BadLine{"unknown_leading_zero", R"({"box":1,"a":01})", RejectCode::malformed_json, ""},
        // tests/ingest/regressions/unknown_container_holding_garbage
        BadLine{"unknown_container_garbage", R"({"box":1,"a":{"e":f{":"{"g":[1]}}})",
                RejectCode::malformed_json, ""},
        BadLine{"unknown_array_missing_comma", R"({"box":1,"a":[1 2]})", RejectCode::malformed_json,
                ""},
        // tests/ingest/regressions/unknown_key_bad_escape
        BadLine{"unknown_key_bad_escape", R"({"box":1,"\x":"12"})", RejectCode::malformed_json, ""},
        BadLine{"control_char",
                "{\"box\":1,\"player\":\"a\x01"
                "b\"}",
                RejectCode::malformed_json, ""},
        BadLine{"unbalanced_unknown", R"({"box":1,"a":[1,2}})", RejectCode::malformed_json, ""},
        BadLine{"box_as_string", R"({"box":"123"})", RejectCode::wrong_type, "box"},
        BadLine{"box_as_float", R"({"box":1.5})", RejectCode::wrong_type, "box"},
        BadLine{"box_exponent", R"({"box":1e3})", RejectCode::wrong_type, "box"},
        BadLine{"x_as_string", R"({"box":1,"x":"12"})", RejectCode::wrong_type, "x"},
        BadLine{"y_as_null", R"({"box":1,"y":null})", RejectCode::wrong_type, "y"},
        BadLine{"hunt_as_number", R"({"box":1,"hunt":5})", RejectCode::wrong_type, "hunt"},
        BadLine{"ts_as_float", R"({"box":1,"ts":1.5})", RejectCode::wrong_type, "ts"},
        BadLine{"state_as_bool", R"({"box":1,"state":true})", RejectCode::wrong_type, "state"},
        BadLine{"player_as_object", R"({"box":1,"player":{}})", RejectCode::wrong_type, "player"},
        BadLine{"missing_box", R"({"x":1,"y":2})", RejectCode::missing_box, "box"},
        BadLine{"escaped_box_key", R"({"bo\u0078":1})", RejectCode::missing_box, "box"},
        BadLine{"box_zero", R"({"box":0})", RejectCode::out_of_range, "box"},
        BadLine{"box_negative", R"({"box":-1})", RejectCode::out_of_range, "box"},
        BadLine{"box_above_uint64", R"({"box":18446744073709551616})", RejectCode::out_of_range,
                "box"},
        BadLine{"ts_negative", R"({"box":1,"ts":-5})", RejectCode::out_of_range, "ts"},
        BadLine{"ts_huge", R"({"box":1,"ts":99999999999999999999999})", RejectCode::out_of_range,
                "ts"},
        BadLine{"x_nan", R"({"box":1,"x":NaN})", RejectCode::not_finite, "x"},
        BadLine{"y_infinity", R"({"box":1,"y":Infinity})", RejectCode::not_finite, "y"},
        BadLine{"x_minus_infinity", R"({"box":1,"x":-Infinity})", RejectCode::not_finite, "x"},
        BadLine{"x_huge", R"({"box":1,"x":1e400})", RejectCode::not_finite, "x"},
        BadLine{"y_huge_negative", R"({"box":1,"y":-1.7e309})", RejectCode::not_finite, "y"},
        BadLine{"deep_nesting", deep(100), RejectCode::too_deep, ""},
        BadLine{"deep_objects",
                R"({"box":1,"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":1}}}}}}}}})",
                RejectCode::too_deep, ""},
        BadLine{"invalid_utf8", "{\"box\":1,\"player\":\"\xff\xfe\"}", RejectCode::invalid_utf8,
                ""},
        BadLine{"overlong_utf8", "{\"box\":1,\"hunt\":\"\xc0\xaf\"}", RejectCode::invalid_utf8, ""},
        BadLine{"unknown_state", R"({"box":1,"state":"opened"})", RejectCode::unknown_state,
                "state"},
        BadLine{"long_player", R"({"box":1,"player":")" + std::string(65, 'p') + "\"}",
                RejectCode::string_too_long, "player"},
        BadLine{"long_hunt", R"({"box":1,"hunt":")" + std::string(100, 'h') + "\"}",
                RejectCode::string_too_long, "hunt"},
        BadLine{"array", R"([1,2])", RejectCode::not_an_object, ""},
        BadLine{"number", R"(42)", RejectCode::not_an_object, ""},
        BadLine{"two_objects", R"({"box":1} {"box":2})", RejectCode::trailing_content, ""},
        BadLine{"duplicate_box", R"({"box":1,"box":2})", RejectCode::duplicate_field, "box"},
        BadLine{"whitespace_only", "  \t ", RejectCode::empty_line, ""},
        BadLine{"empty", "", RejectCode::empty_line, ""},
        BadLine{"one_mib_line",
                R"({"box":1,"player":")" + std::string(std::size_t{1} << 20, 'a') + "\"}",
                RejectCode::line_too_long, ""}),
    [](const ::testing::TestParamInfo<BadLine>& param_info) { return param_info.param.name; });

TEST(IngestPipeline, NestingUpToTheLimitIsAccepted) {
  Harness h;  // max_depth 8, the message object included
  const BatchResult r =
      h.pipeline.ingest(R"({"box":1,"a":{"b":{"c":{"d":{"e":{"f":{"g":[1]}}}}}}})");
  EXPECT_EQ(r.accepted, 1U) << (r.rejections.empty() ? "" : r.rejections[0].reason);
}

TEST(IngestPipeline, TruncatedLastLineIsRejectedAsTruncated) {
  Harness h;
  const BatchResult r = h.pipeline.ingest("{\"box\":1}\n{\"box\":2}\n{\"box\":3,\"player\":\"ab");
  EXPECT_EQ(r.accepted, 2U);
  ASSERT_EQ(r.rejections.size(), 1U);
  EXPECT_EQ(r.rejections[0].index, 2U);
  EXPECT_EQ(r.rejections[0].code, RejectCode::truncated) << r.rejections[0].reason;
  const BatchResult r2 = h.pipeline.ingest("{\"box\":1}\n{\"box\":4,\"x\":[1,2");
  ASSERT_EQ(r2.rejections.size(), 1U);
  EXPECT_EQ(r2.rejections[0].code, RejectCode::truncated) << r2.rejections[0].reason;
}

TEST(IngestPipeline, EveryBadLineInABatchIsListedInOrder) {
  Harness h;
  const BatchResult r = h.pipeline.ingest("{\"box\":1}\n\n{}\n{\"box\":2}\n[]\n");
  EXPECT_EQ(r.accepted, 2U);
  ASSERT_EQ(r.rejections.size(), 3U);
  EXPECT_EQ(r.rejections[0].index, 1U);
  EXPECT_EQ(r.rejections[0].code, RejectCode::empty_line);
  EXPECT_EQ(r.rejections[1].index, 2U);
  EXPECT_EQ(r.rejections[1].code, RejectCode::missing_box);
  EXPECT_EQ(r.rejections[2].index, 4U);
  EXPECT_EQ(r.rejections[2].code, RejectCode::not_an_object);
}

TEST(IngestPipeline, HostileBatchListsABoundedNumberOfRejections) {
  Harness h(IngestConfig{.max_rejections_listed = 3});
  std::string batch;
  for (int i = 0; i < 1000; ++i)
    batch += "nope\n";
  batch += "{\"box\":8}\n";
  const BatchResult r = h.pipeline.ingest(batch);
  EXPECT_EQ(r.rejected, 1000U);
  EXPECT_EQ(r.accepted, 1U);
  EXPECT_EQ(r.rejections.size(), 3U);
  EXPECT_TRUE(r.rejections_truncated);
}

TEST(IngestPipeline, LineLimitIsConfigurable) {
  Harness h(IngestConfig{.max_line_bytes = 16});
  const BatchResult r = h.pipeline.ingest("{\"box\":1}\n{\"box\":2,\"x\":1.25}\n");
  EXPECT_EQ(r.accepted, 1U);
  ASSERT_EQ(r.rejections.size(), 1U);
  EXPECT_EQ(r.rejections[0].code, RejectCode::line_too_long);
}

TEST(IngestPipeline, PayloadLargerThanTheStoresSlotIsRejected) {
  Harness h({}, {.max_boxes = 16, .payload_max = 32});
  const BatchResult r = h.pipeline.ingest(std::string(kReference) + "\n{\"box\":2}\n");
  EXPECT_EQ(r.accepted, 1U);
  ASSERT_EQ(r.rejections.size(), 1U);
  EXPECT_EQ(r.rejections[0].code, RejectCode::payload_too_large);
}

TEST(IngestPipeline, BlobLimitIsEnforced) {
  Harness h(IngestConfig{.blob_bytes = sizeof(BoxMessage) + 8});
  const BatchResult r =
      h.pipeline.ingest("{\"box\":1,\"player\":\"1234\"}\n{\"box\":2,\"player\":\"123456789\"}\n");
  EXPECT_EQ(r.accepted, 1U);
  ASSERT_EQ(r.rejections.size(), 1U);
  EXPECT_EQ(r.rejections[0].code, RejectCode::blob_too_large);
}

TEST(IngestPipeline, FullStoreRejectsNewBoxesButUpdatesKnownOnes) {
  Harness h({}, {.max_boxes = 2});
  const BatchResult r = h.pipeline.ingest("{\"box\":1}\n{\"box\":2}\n{\"box\":3}\n{\"box\":1}\n");
  EXPECT_EQ(r.accepted, 3U);
  ASSERT_EQ(r.rejections.size(), 1U);
  EXPECT_EQ(r.rejections[0].index, 2U);
  EXPECT_EQ(r.rejections[0].code, RejectCode::store_full);
  EXPECT_NE(r.rejections[0].reason.find("full"), std::string_view::npos);
}

// Store writes run a few messages behind the parse (StoreWriteQueue): the
// rejections still come back in line order, and a long batch for a handful
// of boxes leaves each box with its last message, observed in line order.
TEST(IngestPipeline, DeferredStoreWritesKeepLineOrder) {
  Harness h({}, {.max_boxes = 2});
  const BatchResult r = h.pipeline.ingest(
      "{\"box\":1}\n{\"box\":2}\n{\"box\":3}\n[]\n{\"box\":4}\n\n{\"box\":1,\"x\":2}\n");
  EXPECT_EQ(r.accepted, 3U);
  ASSERT_EQ(r.rejections.size(), 4U);
  EXPECT_EQ(r.rejections[0].index, 2U);
  EXPECT_EQ(r.rejections[0].code, RejectCode::store_full);
  EXPECT_EQ(r.rejections[1].index, 3U);
  EXPECT_EQ(r.rejections[1].code, RejectCode::not_an_object);
  EXPECT_EQ(r.rejections[2].index, 4U);
  EXPECT_EQ(r.rejections[2].code, RejectCode::store_full);
  EXPECT_EQ(r.rejections[3].index, 5U);
  EXPECT_EQ(r.rejections[3].code, RejectCode::empty_line);
  EXPECT_EQ(h.payload(1), R"({"box":1,"x":2})");
}

// A store rejection is reported when its write happens, a few lines late;
// a full list must still hold the first rejections by line, not the first
// reported (line 1's store_full came after lines 2 and 3 were refused).
TEST(IngestPipeline, TruncatedRejectionListKeepsTheFirstLinesDespiteDeferredWrites) {
  Harness h({.max_rejections_listed = 2}, {.max_boxes = 1});
  const BatchResult r = h.pipeline.ingest("{\"box\":1}\n{\"box\":2}\n[]\n[]\n[]\n");
  EXPECT_EQ(r.accepted, 1U);
  EXPECT_EQ(r.rejected, 4U);
  EXPECT_TRUE(r.rejections_truncated);
  ASSERT_EQ(r.rejections.size(), 2U);
  EXPECT_EQ(r.rejections[0].index, 1U);
  EXPECT_EQ(r.rejections[0].code, RejectCode::store_full);
  EXPECT_EQ(r.rejections[1].index, 2U);
  EXPECT_EQ(r.rejections[1].code, RejectCode::not_an_object);
}

TEST(IngestPipeline, DeferredStoreWritesAreObservedInLineOrder) {
  Harness h;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> seen;  // box, version
  h.pipeline.set_observer([&](std::uint64_t box, std::string_view, std::uint64_t version,
                              std::string_view) { seen.emplace_back(box, version); });
  std::string batch;
  for (int i = 0; i < 50; ++i)
    batch += "{\"box\":" + std::to_string(1 + i % 3) + ",\"x\":" + std::to_string(i) + "}\n";
  const BatchResult r = h.pipeline.ingest(batch);
  EXPECT_EQ(r.accepted, 50U);
  ASSERT_EQ(seen.size(), 50U);
  for (std::size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].first, 1 + i % 3) << i;
    EXPECT_EQ(seen[i].second, 1 + i / 3) << i;
  }
  EXPECT_EQ(h.payload(3), R"({"box":3,"x":47})");
  EXPECT_EQ(h.payload(1), R"({"box":1,"x":48})");
  EXPECT_EQ(h.payload(2), R"({"box":2,"x":49})");
}

TEST(IngestPipeline, EpochStrategyNeedsAnArena) {
  store::BoxStore store({.max_boxes = 4});
  EXPECT_THROW(IngestPipeline(store, nullptr, {}), std::invalid_argument);
  EXPECT_NO_THROW(
      IngestPipeline(store, nullptr, IngestConfig{.strategy = memory::AllocatorStrategy::system}));
}

TEST(IngestPipeline, EpochStrategyParsesInTheArena) {
  Harness h;
  const std::size_t before = h.arena.used_bytes();
  h.pipeline.ingest(kReference);
  EXPECT_GT(h.arena.used_bytes(), before + kReference.size())
      << "batch copy and blob must come from the epoch arena";
}

class Strategies : public ::testing::TestWithParam<memory::AllocatorStrategy> {};

TEST_P(Strategies, EveryStrategyStoresTheSamePayloads) {
  memory::EpochArena arena;
  store::BoxStore store({.max_boxes = 64});
  IngestPipeline pipeline(store, GetParam() == memory::AllocatorStrategy::epoch ? &arena : nullptr,
                          IngestConfig{.strategy = GetParam()});
  // The observer runs after the per-message memory is released in the heap
  // strategies: what it gets must not point into that memory (ASan checks).
  std::uint64_t box_sum = 0;
  pipeline.set_observer([&box_sum](std::uint64_t box, std::string_view, std::uint64_t,
                                   std::string_view) { box_sum += box; });
  std::string batch;
  for (int i = 1; i <= 20; ++i) {
    batch += R"({"box":)" + std::to_string(i) + R"(,"x":)" + std::to_string(i) +
             R"(.5,"player":"p)" + std::to_string(i) + "\"}\n";
  }
  batch += "{bad}\n";
  const BatchResult r = pipeline.ingest(batch);
  EXPECT_EQ(r.accepted, 20U);
  EXPECT_EQ(r.rejected, 1U);
  EXPECT_EQ(box_sum, 20U * 21U / 2U);
  std::array<char, 128> buffer{};
  const store::ReadResult read = store.read(7, buffer);
  EXPECT_EQ(std::string_view(buffer.data(), read.payload_size),
            R"({"box":7,"x":7.5,"player":"p7"})");
}

INSTANTIATE_TEST_SUITE_P(Ingest, Strategies,
                         ::testing::Values(memory::AllocatorStrategy::epoch,
                                           memory::AllocatorStrategy::jemalloc,
                                           memory::AllocatorStrategy::system),
                         [](const auto& param_info) {
                           return std::string(to_string(param_info.param));
                         });

}  // namespace
}  // namespace trove::ingest
