#include "controller/hunt_spec.hpp"

#include <gtest/gtest.h>

#include "test_json.hpp"

namespace trove::controller {
namespace {

using test_json::json;

ParseResult parse(const std::string& spec, const std::string& meta =
                                               R"({"name":"h","namespace":"ns","generation":3,
                                                  "uid":"u1","creationTimestamp":"2026-01-01T00:00:00Z"})") {
  auto doc = json(R"({"metadata":)" + meta + R"(,"spec":)" + spec + "}");
  return parse_hunt(doc);
}

constexpr const char* kSel = R"("selector":{"matchLabels":{"app":"g"}})";

TEST(HuntSpec, MinimalSpecGetsTheCrdDefaults) {
  auto r = parse(std::string("{") + kSel + "}");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.hunt.name, "h");
  EXPECT_EQ(r.hunt.ns, "ns");
  EXPECT_EQ(r.hunt.generation, 3);
  EXPECT_EQ(r.hunt.creation_timestamp, "2026-01-01T00:00:00Z");
  const HuntSpec& s = r.hunt.spec;
  EXPECT_EQ(s.arena.size_mib, 128);
  EXPECT_EQ(s.arena.epoch_millis, 16);
  EXPECT_FALSE(s.autotune.enabled);
  EXPECT_EQ(s.autotune.min_size_mib, 16);
  EXPECT_EQ(s.autotune.max_size_mib, 1024);
  EXPECT_EQ(s.autotune.targets.headroom_percent, 25);
  EXPECT_EQ(s.admin_port, 9090);
  EXPECT_FALSE(s.token_secret_ref.has_value());
  EXPECT_TRUE(s.overrides.empty());
}

TEST(HuntSpec, FullSpecIsRead) {
  auto r = parse(std::string("{") + kSel + R"(,
    "arena":{"sizeMiB":64,"epochMillis":8},
    "autotune":{"enabled":true,"minSizeMiB":8,"maxSizeMiB":256,"minEpochMillis":2,
                "maxEpochMillis":32,"windowSamples":4,
                "targets":{"resetPurgeBudgetMicros":300,"maxRssMiB":2048,"headroomPercent":50,
                           "maxStepPercent":20,"hysteresisPercent":5}},
    "overrides":[{"podName":"p0","sizeMiB":512},{"podName":"p1","epochMillis":4}],
    "adminPort":19090,
    "tokenSecretRef":{"name":"sec"}})");
  ASSERT_TRUE(r.ok) << r.error;
  const HuntSpec& s = r.hunt.spec;
  EXPECT_EQ(s.arena.size_mib, 64);
  EXPECT_EQ(s.arena.epoch_millis, 8);
  EXPECT_TRUE(s.autotune.enabled);
  EXPECT_EQ(s.autotune.window_samples, 4);
  EXPECT_EQ(s.autotune.targets.reset_purge_budget_micros, 300);
  EXPECT_EQ(s.autotune.targets.max_rss_mib, 2048);
  EXPECT_EQ(s.autotune.targets.max_step_percent, 20);
  EXPECT_EQ(s.overrides.at("p0").size_mib, 512);
  EXPECT_FALSE(s.overrides.at("p0").epoch_millis.has_value());
  EXPECT_EQ(s.overrides.at("p1").epoch_millis, 4);
  EXPECT_EQ(s.admin_port, 19090);
  ASSERT_TRUE(s.token_secret_ref.has_value());
  EXPECT_EQ(s.token_secret_ref->name, "sec");
  EXPECT_EQ(s.token_secret_ref->key, "token");
}

struct BadSpec {
  const char* spec_tail;
  const char* error_mentions;
};

void PrintTo(const BadSpec& b, std::ostream* os) {
  *os << b.spec_tail;
}

class HuntSpecRejects : public ::testing::TestWithParam<BadSpec> {};

TEST_P(HuntSpecRejects, WithAnErrorNamingTheField) {
  auto r = parse(std::string("{") + kSel + GetParam().spec_tail + "}");
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find(GetParam().error_mentions), std::string::npos) << r.error;
  EXPECT_EQ(r.hunt.name, "h") << "metadata is kept for the status write";
}

INSTANTIATE_TEST_SUITE_P(
    HostileInput, HuntSpecRejects,
    ::testing::Values(
        BadSpec{R"(,"arena":{"sizeMiB":0})", "spec.arena.sizeMiB"},
        BadSpec{R"(,"arena":{"sizeMiB":-5})", "spec.arena.sizeMiB"},
        BadSpec{R"(,"arena":{"sizeMiB":65537})", "spec.arena.sizeMiB"},
        BadSpec{R"(,"arena":{"sizeMiB":99999999999999999999999})", "spec.arena.sizeMiB"},
        BadSpec{R"(,"arena":{"sizeMiB":12.5})", "spec.arena.sizeMiB"},
        BadSpec{R"(,"arena":{"sizeMiB":"128"})", "spec.arena.sizeMiB"},
        BadSpec{R"(,"arena":{"epochMillis":10001})", "spec.arena.epochMillis"},
        BadSpec{R"(,"autotune":{"enabled":"yes"})", "enabled"},
        BadSpec{R"(,"autotune":{"minSizeMiB":512,"maxSizeMiB":256})", "minSizeMiB must not exceed"},
        BadSpec{R"(,"autotune":{"minEpochMillis":40,"maxEpochMillis":20})", "minEpochMillis"},
        BadSpec{R"(,"autotune":{"targets":{"maxStepPercent":0}})", "maxStepPercent"},
        BadSpec{R"(,"autotune":{"targets":{"headroomPercent":-1}})", "headroomPercent"},
        BadSpec{R"(,"autotune":{"targets":[]})", "targets"},
        BadSpec{R"(,"overrides":{})", "spec.overrides"},
        BadSpec{R"(,"overrides":[{"sizeMiB":1}])", "podName"},
        BadSpec{R"(,"overrides":[{"podName":"p"}])", "neither"},
        BadSpec{R"(,"overrides":[{"podName":"p","sizeMiB":1},{"podName":"p","sizeMiB":2}])",
                "twice"},
        BadSpec{R"(,"overrides":[{"podName":"p","sizeMiB":0}])", "sizeMiB"},
        BadSpec{R"(,"adminPort":0)", "adminPort"}, BadSpec{R"(,"adminPort":70000)", "adminPort"},
        BadSpec{R"(,"tokenSecretRef":{"key":"k"})", "tokenSecretRef.name"}));

TEST(HuntSpec, MissingPiecesAreErrors) {
  auto no_sel = parse(R"({"arena":{}})");
  EXPECT_FALSE(no_sel.ok);
  EXPECT_NE(no_sel.error.find("selector"), std::string::npos);
  auto empty_sel = parse(R"({"selector":{}})");
  EXPECT_FALSE(empty_sel.ok);
  auto no_name = parse(std::string("{") + kSel + "}", R"({"namespace":"ns"})");
  EXPECT_FALSE(no_name.ok);
  auto doc = json(R"({"metadata":{"name":"x"}})");
  EXPECT_FALSE(parse_hunt(doc).ok);
  auto not_obj = json("[]");
  EXPECT_FALSE(parse_hunt(not_obj).ok);
  auto spec_str = json(R"({"metadata":{"name":"x"},"spec":"s"})");
  EXPECT_FALSE(parse_hunt(spec_str).ok);
}

TEST(HuntSpec, NullFieldsReadAsAbsent) {
  auto r = parse(std::string("{") + kSel + R"(,"arena":null,"autotune":{"enabled":null}})");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.hunt.spec.arena.size_mib, 128);
}

}  // namespace
}  // namespace trove::controller
