#include "controller/sidecar_stats.hpp"

#include <gtest/gtest.h>

#include "trove/common/tuning.hpp"

namespace trove::controller {
namespace {

constexpr const char* kStats =
    R"({"tuning":{"arenaBytes":134217728,"epochMillis":16,"generation":2},
   "workers":2,
   "epoch":{"windowEpochs":120,
            "highWaterBytes":{"p50":1000,"p90":2000,"p99":3000,"max":4000},
            "resetMicros":{"p50":0.5,"p99":1.5,"max":3},
            "purgeMicros":{"p50":10,"p99":120.5,"max":300},
            "overflows":7},
   "ingest":{"messagesPerSecond":12345.5,"accepted":10,"rejected":0},
   "rssBytes":987654321,
   "jemalloc":{"allocated":1,"active":2,"resident":3,"mapped":4,"retained":5,"metadata":6}})";

TEST(SidecarStats, ContractExampleParses) {
  std::string error;
  auto s = parse_sidecar_stats(kStats, error);
  ASSERT_TRUE(s.has_value()) << error;
  EXPECT_EQ(s->tuning.arena_bytes, 134217728);
  EXPECT_EQ(s->tuning.epoch_millis, 16);
  EXPECT_EQ(s->tuning.generation, 2);
  EXPECT_EQ(s->workers, 2);
  EXPECT_EQ(s->window_epochs, 120);
  EXPECT_EQ(s->high_water_p90, 2000);
  EXPECT_EQ(s->high_water_p99, 3000);
  EXPECT_EQ(s->high_water_max, 4000);
  EXPECT_DOUBLE_EQ(s->reset_micros_p99, 1.5);
  EXPECT_DOUBLE_EQ(s->purge_micros_p99, 120.5);
  EXPECT_EQ(s->overflows, 7);
  EXPECT_DOUBLE_EQ(s->messages_per_second, 12345.5);
  EXPECT_EQ(s->rss_bytes, 987654321);
}

TEST(SidecarStats, MissingFiguresReadAsZeroButTuningIsRequired) {
  std::string error;
  auto s = parse_sidecar_stats(R"({"tuning":{"arenaBytes":1048576,"epochMillis":1}})", error);
  ASSERT_TRUE(s.has_value()) << error;
  EXPECT_EQ(s->window_epochs, 0);
  EXPECT_EQ(s->workers, 1) << "a missing worker count must not divide by zero later";
  EXPECT_FALSE(parse_sidecar_stats(R"({"workers":2})", error).has_value());
  EXPECT_FALSE(parse_sidecar_stats(R"({"tuning":{"arenaBytes":-1,"epochMillis":16}})", error));
  EXPECT_FALSE(parse_sidecar_stats(R"({"tuning":{"arenaBytes":"1","epochMillis":16}})", error));
  EXPECT_FALSE(parse_sidecar_stats(R"({"tuning":{"arenaBytes":1048576,"epochMillis":0}})", error));
}

TEST(SidecarStats, HostileFiguresAreClampedNotTrusted) {
  std::string error;
  auto s = parse_sidecar_stats(R"({"tuning":{"arenaBytes":1048576,"epochMillis":16},
      "workers":-3,"rssBytes":-1,
      "epoch":{"windowEpochs":"many","highWaterBytes":{"p99":1e300,"max":18446744073709551615},
               "resetMicros":{"p99":-5},"purgeMicros":{"p99":"x"},"overflows":2.5}})",
                               error);
  ASSERT_TRUE(s.has_value()) << error;
  EXPECT_EQ(s->workers, 1);
  EXPECT_EQ(s->rss_bytes, 0);
  EXPECT_EQ(s->window_epochs, 0);
  EXPECT_EQ(s->high_water_p99, INT64_MAX);
  EXPECT_EQ(s->high_water_max, INT64_MAX);
  EXPECT_EQ(s->reset_micros_p99, 0);
  EXPECT_EQ(s->purge_micros_p99, 0);
  EXPECT_EQ(s->overflows, 2);
}

TEST(SidecarStats, GarbageAndOversizedBodiesAreErrors) {
  std::string error;
  EXPECT_FALSE(parse_sidecar_stats("", error).has_value());
  EXPECT_FALSE(parse_sidecar_stats("not json", error).has_value());
  EXPECT_FALSE(parse_sidecar_stats("[1,2]", error).has_value());
  EXPECT_FALSE(parse_sidecar_stats(R"({"tuning":)", error).has_value());
  std::string huge = R"({"tuning":{"arenaBytes":1048576,"epochMillis":16},"pad":")" +
                     std::string(70 * 1024, 'x') + "\"}";
  EXPECT_FALSE(parse_sidecar_stats(huge, error).has_value());
  EXPECT_NE(error.find("64 KiB"), std::string::npos);
}

TEST(SidecarStats, TuningRoundTrips) {
  Tuning t{268435456, 8, 42};
  std::string error;
  auto back = parse_tuning(common::render_tuning(t), error);
  ASSERT_TRUE(back.has_value()) << error;
  EXPECT_EQ(back->arena_bytes, t.arena_bytes);
  EXPECT_EQ(back->epoch_millis, t.epoch_millis);
  EXPECT_EQ(back->generation, t.generation);
  EXPECT_EQ(back->owner, "");
  EXPECT_EQ(common::render_tuning(t), R"({"arenaBytes":268435456,"epochMillis":8,"generation":42})")
      << "no owner: the body a sidecar from before owners accepts";
}

TEST(SidecarStats, PutBodyCarriesTheOwner) {
  const Tuning t{268435456, 8, 1, "9b2f6c1e-41aa-4c3e-8d0f-5e7a2b9c1d34"};
  EXPECT_EQ(common::render_tuning(t), R"({"arenaBytes":268435456,"epochMillis":8,"generation":1,)"
                                      R"("owner":"9b2f6c1e-41aa-4c3e-8d0f-5e7a2b9c1d34"})");
  // Quotes and backslashes are escaped, so the body stays one JSON object.
  std::string error;
  auto back = parse_tuning(common::render_tuning({1048576, 1, 0, R"(a"b\c)"}), error);
  ASSERT_TRUE(back.has_value()) << error;
  EXPECT_EQ(back->owner, R"(a"b\c)");
}

TEST(SidecarStats, OwnerIsReadFromTuningAndStats) {
  std::string error;
  auto t = parse_tuning(R"({"arenaBytes":1048576,"epochMillis":16,"generation":3,"owner":"uid-a"})",
                        error);
  ASSERT_TRUE(t.has_value()) << error;
  EXPECT_EQ(t->owner, "uid-a");
  auto s = parse_sidecar_stats(
      R"({"tuning":{"arenaBytes":1048576,"epochMillis":16,"generation":3,"owner":"uid-b"}})",
      error);
  ASSERT_TRUE(s.has_value()) << error;
  EXPECT_EQ(s->tuning.owner, "uid-b");
  // The longest owner the sidecar accepts reads back whole.
  const std::string longest(common::kMaxTuningOwnerBytes, 'x');
  t = parse_tuning(R"({"arenaBytes":1048576,"epochMillis":16,"owner":")" + longest + "\"}", error);
  ASSERT_TRUE(t.has_value()) << error;
  EXPECT_EQ(t->owner, longest);
  // A sidecar from before owners names none: the owner "".
  s = parse_sidecar_stats(kStats, error);
  ASSERT_TRUE(s.has_value()) << error;
  EXPECT_EQ(s->tuning.owner, "");
}

TEST(SidecarStats, HostileOwnerIsABadAnswer) {
  const std::string bodies[] = {
      R"({"arenaBytes":1048576,"epochMillis":16,"owner":7})",
      R"({"arenaBytes":1048576,"epochMillis":16,"owner":null})",
      R"({"arenaBytes":1048576,"epochMillis":16,"owner":["a"]})",
      R"({"arenaBytes":1048576,"epochMillis":16,"owner":")" +
          std::string(common::kMaxTuningOwnerBytes + 1, 'x') + "\"}",
  };
  for (const std::string& body : bodies) {
    std::string error;
    EXPECT_FALSE(parse_tuning(body, error).has_value()) << body;
    EXPECT_NE(error.find("owner"), std::string::npos) << body << ": " << error;
  }
}

TEST(SidecarStats, RenderedWithAndWithoutOwnerParsesBackTheSameOwner) {
  std::string error;
  for (const std::string owner : {"", "uid-a"}) {
    const Tuning t{1048576, 16, 3, owner};
    const std::string body = common::render_tuning(t);
    EXPECT_EQ(body.find("owner") != std::string::npos, !owner.empty()) << body;
    auto back = parse_tuning(body, error);
    ASSERT_TRUE(back.has_value()) << body << ": " << error;
    EXPECT_EQ(back->owner, owner) << body;
  }
}

TEST(SidecarStats, AnswersAreReadWithTheRulesTheSidecarAcceptedThemWith) {
  // A trove-server accepts only tunings inside the PUT bounds (and starts
  // inside them: its --arena-mib and --epoch-ms knobs have the same ones), so
  // an answer outside them is not a trove-server's.
  std::string error;
  for (const std::string body : {
           R"({"arenaBytes":1048575,"epochMillis":16})",
           R"({"arenaBytes":68719476737,"epochMillis":16})",
           R"({"arenaBytes":1048576,"epochMillis":10001})",
           R"({"arenaBytes":1048576,"epochMillis":16,"generation":-1})",
           R"({"arenaBytes":1048576,"epochMillis":16,"generation":"2"})",
           R"({"arenaBytes":1048576,"epochMillis":16,"owner":"a\u0001b"})",
       }) {
    EXPECT_FALSE(parse_tuning(body, error).has_value()) << body;
    EXPECT_EQ(error.rfind("sidecar tuning: ", 0), 0u) << error;
  }
  auto t = parse_tuning(
      R"({"arenaBytes":68719476736,"epochMillis":10000,"generation":18446744073709551615})", error);
  ASSERT_TRUE(t.has_value()) << error;
  EXPECT_EQ(t->generation, UINT64_MAX) << "read whole, not saturated";
  // A newer sidecar may add members; the operator reads past them.
  t = parse_tuning(R"({"arenaBytes":1048576,"epochMillis":16,"generation":1,"next":{}})", error);
  ASSERT_TRUE(t.has_value()) << error;
}

TEST(SidecarStats, DeepNestingIsABadAnswerNotACrash) {
  constexpr std::size_t kDepth = 30000;  // fits the 64 KiB answer bound
  const std::string nested = std::string(kDepth, '[') + std::string(kDepth, ']');
  std::string error;
  EXPECT_FALSE(parse_sidecar_stats(R"({"tuning":)" + nested + "}", error).has_value());
  EXPECT_FALSE(parse_tuning(nested, error).has_value());
  EXPECT_FALSE(rejects_owner_field(400, R"({"field":)" + nested + "}"));
}

// trove-server from before owners refusing the member, verbatim.
constexpr const char* kOldSidecarRefusal =
    R"j({"error":"unknown field (arenaBytes | epochMillis | generation)","field":"owner"})j";

TEST(OwnerRejection, TheOldSidecarsExactRefusalIsDetected) {
  EXPECT_TRUE(rejects_owner_field(400, kOldSidecarRefusal));
  EXPECT_TRUE(rejects_owner_field(400, R"({"field":"owner"})"));
}

TEST(OwnerRejection, OtherAnswersAreNot) {
  EXPECT_FALSE(rejects_owner_field(409, kOldSidecarRefusal)) << "only a 400 refuses a member";
  EXPECT_FALSE(rejects_owner_field(0, kOldSidecarRefusal)) << "no answer";
  EXPECT_FALSE(rejects_owner_field(
      200, R"({"arenaBytes":1048576,"epochMillis":16,"generation":1,"owner":"uid-a"})"));
  EXPECT_FALSE(rejects_owner_field(
      400,
      R"j({"error":"arenaBytes 1024 out of range 1048576 .. 68719476736","field":"arenaBytes"})j"));
  EXPECT_FALSE(rejects_owner_field(
      400,
      R"j({"error":"unknown field (arenaBytes | epochMillis | generation)","field":"owners"})j"));
  EXPECT_FALSE(rejects_owner_field(400, R"({"error":"owner","field":"generation"})"))
      << "the word owner elsewhere in the body is not the field";
  EXPECT_FALSE(rejects_owner_field(400, R"({"error":"bad request"})"));
  EXPECT_FALSE(rejects_owner_field(400, R"({"field":["owner"]})"));
  EXPECT_FALSE(rejects_owner_field(400, R"({"field":null})"));
  EXPECT_FALSE(rejects_owner_field(400, R"({"field":{"owner":1}})"));
  EXPECT_FALSE(rejects_owner_field(400, R"(["field","owner"])"));
  EXPECT_FALSE(rejects_owner_field(400, R"("owner")"));
  EXPECT_FALSE(rejects_owner_field(400, "field: owner")) << "not JSON";
  EXPECT_FALSE(rejects_owner_field(400, "bad request: unknown field owner")) << "not JSON";
  EXPECT_FALSE(rejects_owner_field(400, R"({"field":"owner")")) << "truncated JSON";
  EXPECT_FALSE(rejects_owner_field(400, ""));
  const std::string huge = R"({"field":"owner","pad":")" + std::string(70 * 1024, 'x') + "\"}";
  EXPECT_FALSE(rejects_owner_field(400, huge)) << "larger than any sidecar answer";
}

TEST(TuningDecision, SameValuesAndOwnerNeedNoPush) {
  const Tuning desired{64 << 20, 8, 2, "uid-new"};
  EXPECT_TRUE((Tuning{64 << 20, 8, 2, "uid-new"}).satisfies(desired));
  // The generation alone is bookkeeping: a spec edit that keeps the values
  // pushes nothing (as before owners).
  EXPECT_TRUE((Tuning{64 << 20, 8, 1, "uid-new"}).satisfies(desired));
  EXPECT_FALSE((Tuning{96 << 20, 8, 2, "uid-new"}).satisfies(desired));
  EXPECT_FALSE((Tuning{64 << 20, 9, 2, "uid-new"}).satisfies(desired));
}

TEST(TuningDecision, AnotherOwnerNeedsAPushEvenWithTheSameValues) {
  // A hunt deleted and created again: the sidecar still names the old uid
  // at a higher generation. The new hunt must push (and the sidecar accepts
  // it as a new owner) rather than count the pod as tuned.
  const Tuning desired{64 << 20, 8, 1, "uid-new"};
  EXPECT_FALSE((Tuning{64 << 20, 8, 7, "uid-old"}).satisfies(desired));
  EXPECT_FALSE((Tuning{64 << 20, 8, 1, ""}).satisfies(desired))
      << "a sidecar never tuned by a hunt";
}

}  // namespace
}  // namespace trove::controller
