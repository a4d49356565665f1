#include "admin/tuning_api.hpp"

#include <gtest/gtest.h>

namespace trove::admin {
namespace {

const net::Tuning kCurrent{128ull << 20, 16, 4};

std::string FieldOf(std::string_view body) {
  auto r = ParseTuningBody(body, kCurrent);
  if (auto* e = std::get_if<TuningFieldError>(&r)) return e->field.empty() ? "<body>" : e->field;
  return "<ok>";
}

TEST(TuningBody, ParsesAndKeepsMissingValues) {
  auto r = ParseTuningBody(R"({"epochMillis":20,"generation":5})", kCurrent);
  ASSERT_TRUE(std::holds_alternative<net::Tuning>(r));
  const auto& t = std::get<net::Tuning>(r);
  EXPECT_EQ(t.arena_bytes, kCurrent.arena_bytes);
  EXPECT_EQ(t.epoch_millis, 20u);
  EXPECT_EQ(t.generation, 5u);
}

TEST(TuningBody, BoundsAreInclusive) {
  EXPECT_EQ(FieldOf(R"({"arenaBytes":1048576,"epochMillis":1,"generation":0})"), "<ok>");
  EXPECT_EQ(FieldOf(R"({"arenaBytes":68719476736,"epochMillis":10000,"generation":0})"), "<ok>");
  EXPECT_EQ(FieldOf(R"({"arenaBytes":1048575,"generation":0})"), "arenaBytes");
  EXPECT_EQ(FieldOf(R"({"arenaBytes":68719476737,"generation":0})"), "arenaBytes");
  EXPECT_EQ(FieldOf(R"({"epochMillis":0,"generation":0})"), "epochMillis");
  EXPECT_EQ(FieldOf(R"({"epochMillis":10001,"generation":0})"), "epochMillis");
}

TEST(TuningBody, NamesTheOffendingField) {
  EXPECT_EQ(FieldOf(R"({"epochMillis":16})"), "generation");
  EXPECT_EQ(FieldOf(R"({"generation":-1})"), "generation");
  EXPECT_EQ(FieldOf(R"({"generation":1.5})"), "generation");
  EXPECT_EQ(FieldOf(R"({"arenaBytes":"1","generation":1})"), "arenaBytes");
  EXPECT_EQ(FieldOf(R"({"arenaBytes":null,"generation":1})"), "arenaBytes");
  EXPECT_EQ(FieldOf(R"({"arena":1,"generation":1})"), "arena");
  EXPECT_EQ(FieldOf(R"({"generation":99999999999999999999999})"), "generation");
  EXPECT_EQ(FieldOf(""), "<body>");
  EXPECT_EQ(FieldOf("[]"), "<body>");
  EXPECT_EQ(FieldOf("{\"generation\":1"), "<body>");
}

TEST(TuningState, StaleGenerationsAreRefusedEqualIsIdempotent) {
  net::TuningState state(kCurrent);
  using R = net::TuningState::UpdateResult;
  EXPECT_EQ(state.Update({kCurrent.arena_bytes, 20, 3}), R::kStale);
  EXPECT_EQ(state.Update(kCurrent), R::kUnchanged);
  EXPECT_EQ(state.changes(), 0u);
  EXPECT_EQ(state.Update({kCurrent.arena_bytes, 20, 5}), R::kApplied);
  EXPECT_EQ(state.changes(), 1u);
  EXPECT_EQ(state.Get().epoch_millis, 20u);
  EXPECT_EQ(TuningJson(state.Get()), R"({"arenaBytes":134217728,"epochMillis":20,"generation":5})");
}

}  // namespace
}  // namespace trove::admin
