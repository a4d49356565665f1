#include <gtest/gtest.h>

#include "net/tuning_state.hpp"
#include "trove/common/tuning.hpp"

namespace trove::admin {
namespace {

const common::Tuning kCurrent{128ull << 20, 16, 4};

std::string field_of(std::string_view body) {
  auto r = common::parse_tuning_update(body, kCurrent);
  if (auto* e = std::get_if<common::TuningFieldError>(&r))
    return e->field.empty() ? "<body>" : e->field;
  return "<ok>";
}

TEST(TuningBody, ParsesAndKeepsMissingValues) {
  auto r = common::parse_tuning_update(R"({"epochMillis":20,"generation":5})", kCurrent);
  ASSERT_TRUE(std::holds_alternative<common::Tuning>(r));
  const auto& t = std::get<common::Tuning>(r);
  EXPECT_EQ(t.arena_bytes, kCurrent.arena_bytes);
  EXPECT_EQ(t.epoch_millis, 20u);
  EXPECT_EQ(t.generation, 5u);
}

TEST(TuningBody, BoundsAreInclusive) {
  EXPECT_EQ(field_of(R"({"arenaBytes":1048576,"epochMillis":1,"generation":0})"), "<ok>");
  EXPECT_EQ(field_of(R"({"arenaBytes":68719476736,"epochMillis":10000,"generation":0})"), "<ok>");
  EXPECT_EQ(field_of(R"({"arenaBytes":1048575,"generation":0})"), "arenaBytes");
  EXPECT_EQ(field_of(R"({"arenaBytes":68719476737,"generation":0})"), "arenaBytes");
  EXPECT_EQ(field_of(R"({"epochMillis":0,"generation":0})"), "epochMillis");
  EXPECT_EQ(field_of(R"({"epochMillis":10001,"generation":0})"), "epochMillis");
}

TEST(TuningBody, NamesTheOffendingField) {
  EXPECT_EQ(field_of(R"({"epochMillis":16})"), "generation");
  EXPECT_EQ(field_of(R"({"generation":-1})"), "generation");
  EXPECT_EQ(field_of(R"({"generation":1.5})"), "generation");
  EXPECT_EQ(field_of(R"({"arenaBytes":"1","generation":1})"), "arenaBytes");
  EXPECT_EQ(field_of(R"({"arenaBytes":null,"generation":1})"), "arenaBytes");
  EXPECT_EQ(field_of(R"({"arena":1,"generation":1})"), "arena");
  EXPECT_EQ(field_of(R"({"generation":99999999999999999999999})"), "generation");
  EXPECT_EQ(field_of(""), "<body>");
  EXPECT_EQ(field_of("[]"), "<body>");
  EXPECT_EQ(field_of("{\"generation\":1"), "<body>");
}

TEST(TuningState, StaleGenerationsAreRefusedEqualIsIdempotent) {
  net::TuningState state(kCurrent);
  using R = net::TuningState::UpdateResult;
  EXPECT_EQ(state.update({kCurrent.arena_bytes, 20, 3}), R::kStale);
  EXPECT_EQ(state.update(kCurrent), R::kUnchanged);
  EXPECT_EQ(state.changes(), 0u);
  EXPECT_EQ(state.update({kCurrent.arena_bytes, 20, 5}), R::kApplied);
  EXPECT_EQ(state.changes(), 1u);
  EXPECT_EQ(state.get().epoch_millis, 20u);
  EXPECT_EQ(common::render_tuning(state.get()),
            R"({"arenaBytes":134217728,"epochMillis":20,"generation":5})");
}

common::Tuning parsed(std::string_view body, const common::Tuning& current = kCurrent) {
  auto r = common::parse_tuning_update(body, current);
  if (auto* e = std::get_if<common::TuningFieldError>(&r)) {
    ADD_FAILURE() << body << " refused: " << e->field << ": " << e->message;
    return current;
  }
  return std::get<common::Tuning>(r);
}

TEST(TuningOwner, IsAcceptedAndEchoed) {
  const common::Tuning t =
      parsed(R"({"generation":1,"owner":"3f2c9a1e-0b7d-4e55-9a1c-2d8f6e4b7a90"})");
  EXPECT_EQ(t.owner, "3f2c9a1e-0b7d-4e55-9a1c-2d8f6e4b7a90");
  EXPECT_EQ(common::render_tuning(t), R"({"arenaBytes":134217728,"epochMillis":16,"generation":1,)"
                                      R"("owner":"3f2c9a1e-0b7d-4e55-9a1c-2d8f6e4b7a90"})");
  // Printable ASCII includes quote and backslash: the echo stays valid JSON.
  EXPECT_EQ(common::render_tuning(parsed(R"({"generation":1,"owner":"a\"b\\c"})")),
            R"({"arenaBytes":134217728,"epochMillis":16,"generation":1,"owner":"a\"b\\c"})");
  EXPECT_EQ(parsed(R"({"generation":1,"owner":""})").owner, "");
  const std::string longest(common::kMaxTuningOwnerBytes, 'x');
  EXPECT_EQ(parsed(R"({"generation":1,"owner":")" + longest + "\"}").owner, longest);
}

TEST(TuningOwner, MissingOwnerIsTheEmptyOwnerNotTheCurrentOne) {
  common::Tuning owned = kCurrent;
  owned.owner = "hunt-a";
  EXPECT_EQ(parsed(R"({"generation":9})", owned).owner, "");
  // Without an owner the JSON is byte-for-byte what it was before owners.
  EXPECT_EQ(common::render_tuning(parsed(R"({"generation":9})")),
            R"({"arenaBytes":134217728,"epochMillis":16,"generation":9})");
}

TEST(TuningOwner, BadOwnersAreRefusedNamingOwner) {
  EXPECT_EQ(field_of(R"({"generation":1,"owner":7})"), "owner");
  EXPECT_EQ(field_of(R"({"generation":1,"owner":null})"), "owner");
  EXPECT_EQ(field_of(R"({"generation":1,"owner":true})"), "owner");
  EXPECT_EQ(field_of(R"({"generation":1,"owner":["a"]})"), "owner");
  EXPECT_EQ(field_of(R"({"generation":1,"owner":{"uid":"a"}})"), "owner");
  EXPECT_EQ(field_of(R"({"generation":1,"owner":")" +
                     std::string(common::kMaxTuningOwnerBytes + 1, 'x') + "\"}"),
            "owner");
  EXPECT_EQ(field_of(R"({"generation":1,"owner":"a\nb"})"), "owner");
  EXPECT_EQ(field_of(R"({"generation":1,"owner":"a\tb"})"), "owner");
  EXPECT_EQ(field_of(R"({"generation":1,"owner":"a\u0000b"})"), "owner");
  EXPECT_EQ(field_of(R"({"generation":1,"owner":"a\u007fb"})"), "owner");
  EXPECT_EQ(field_of(R"({"generation":1,"owner":"caf\u00e9"})"), "owner");
  EXPECT_EQ(field_of("{\"generation\":1,\"owner\":\"\xff\"}"), "owner");
}

TEST(TuningOwner, GenerationsAreComparedOnlyWithinOneOwner) {
  using R = net::TuningState::UpdateResult;
  net::TuningState state(common::Tuning{128ull << 20, 16, 0});
  EXPECT_EQ(state.update({64ull << 20, 8, 5, "hunt-a"}), R::kTakenOver) << "'' -> hunt-a";
  // A recreated hunt starts again at generation 1: a new owner, not stale.
  EXPECT_EQ(state.update({32ull << 20, 4, 1, "hunt-b"}), R::kTakenOver);
  EXPECT_EQ(state.get(), (common::Tuning{32ull << 20, 4, 1, "hunt-b"}));
  EXPECT_EQ(state.changes(), 2u);
  // Within one owner the generation still orders writes.
  EXPECT_EQ(state.update({16ull << 20, 4, 2, "hunt-b"}), R::kApplied);
  EXPECT_EQ(state.update({8ull << 20, 4, 1, "hunt-b"}), R::kStale);
  EXPECT_EQ(state.get().arena_bytes, 16ull << 20);
  EXPECT_EQ(state.update({16ull << 20, 4, 2, "hunt-b"}), R::kUnchanged);
  EXPECT_EQ(state.changes(), 3u);
  // The old owner coming back is a new owner again (last writer wins; the
  // operator's ownership rules keep two hunts from tuning one pod).
  EXPECT_EQ(state.update({64ull << 20, 8, 1, "hunt-a"}), R::kTakenOver);
  // No owner is the owner "": it takes over from a named owner too.
  EXPECT_EQ(state.update({64ull << 20, 8, 0, ""}), R::kTakenOver);
  EXPECT_EQ(state.update({64ull << 20, 9, 0, ""}), R::kApplied);
}

TEST(TuningOwner, WithoutOwnersStaleIsAsBefore) {
  using R = net::TuningState::UpdateResult;
  net::TuningState state(kCurrent);
  EXPECT_EQ(state.update(parsed(R"({"epochMillis":20,"generation":3})")), R::kStale);
  EXPECT_EQ(state.update(parsed(R"({"generation":4})")), R::kUnchanged);
  EXPECT_EQ(state.update(parsed(R"({"epochMillis":20,"generation":4})")), R::kApplied)
      << "same generation, other values: applies, as it always did";
  EXPECT_EQ(state.get().owner, "");
}

}  // namespace
}  // namespace trove::admin
