#include "trove/common/tuning.hpp"

#include <gtest/gtest.h>

#include <string>

#include "trove/common/json.hpp"

namespace trove::common {
namespace {

const Tuning kCurrent{128ull << 20, 16, 4, "hunt-a"};

// The refused field ("<body>" for the whole text), or "<ok>".
std::string refused_field(std::string_view body) {
  auto r = parse_tuning_update(body, kCurrent);
  if (auto* e = std::get_if<TuningFieldError>(&r)) return e->field.empty() ? "<body>" : e->field;
  return "<ok>";
}

std::string refusal_message(std::string_view body) {
  auto r = parse_tuning_update(body, kCurrent);
  if (auto* e = std::get_if<TuningFieldError>(&r)) return e->message;
  return "<ok>";
}

TEST(TuningUpdate, MalformedTextIsTheWholeBody) {
  for (const std::string body : {"", " ", "null", "[]", "7", R"("x")", "{", R"({"generation":1)",
                                 R"({"generation":1}x)", "{'generation':1}"}) {
    EXPECT_EQ(refused_field(body), "<body>") << body;
  }
  EXPECT_EQ(refusal_message("[]"), "body is not a JSON object: expected a JSON object");
  EXPECT_EQ(refusal_message(R"({"generation":)").rfind("body is not a JSON object: offset ", 0),
            0u);
}

TEST(TuningUpdate, DeepNestingIsRefusedWithoutRecursion) {
  constexpr std::size_t kDepth = 1'000'000;  // far beyond any thread's stack in recursive descent
  const std::string nested = std::string(kDepth, '[') + std::string(kDepth, ']');
  EXPECT_EQ(refused_field(nested), "<body>");
  EXPECT_EQ(refused_field(R"({"generation":1,"owner":)" + nested + "}"), "owner");
  EXPECT_EQ(refused_field(R"({"generation":)" + nested + "}"), "generation");
  EXPECT_EQ(refused_field(R"({"generation":1,"extra":)" + nested + "}"), "extra");
}

TEST(TuningUpdate, NumbersMustBeUnsignedIntegersInRange) {
  EXPECT_EQ(refused_field(R"({"generation":18446744073709551615})"), "<ok>");
  EXPECT_EQ(refused_field(R"({"generation":18446744073709551616})"), "generation");
  EXPECT_EQ(refused_field(R"({"generation":1e400})"), "<body>")
      << "not a JSON number RapidJSON holds";
  EXPECT_EQ(refused_field(R"({"generation":1e5})"), "generation") << "a double, not an integer";
  EXPECT_EQ(refused_field(R"({"generation":-0})"), "<ok>") << "-0 is the integer 0";
  EXPECT_EQ(refused_field(R"({"arenaBytes":-1048576,"generation":1})"), "arenaBytes");
  EXPECT_EQ(refused_field(R"({"epochMillis":-1,"generation":1})"), "epochMillis");
  EXPECT_EQ(refused_field(R"({"epochMillis":16.0,"generation":1})"), "epochMillis");
  EXPECT_EQ(refused_field(R"({"epochMillis":true,"generation":1})"), "epochMillis");
  EXPECT_EQ(refused_field(R"({"epochMillis":[16],"generation":1})"), "epochMillis");
  EXPECT_EQ(refused_field(R"({"epochMillis":{},"generation":1})"), "epochMillis");
  EXPECT_EQ(refused_field(R"({"arenaBytes":99999999999999999999999,"generation":1})"),
            "arenaBytes");
  EXPECT_EQ(refusal_message(R"({"arenaBytes":68719476737,"generation":1})"),
            "arenaBytes 68719476737 out of range 1048576 .. 68719476736");
  EXPECT_EQ(refusal_message(R"({"epochMillis":"16","generation":1})"),
            "epochMillis must be an unsigned integer");
  EXPECT_EQ(refusal_message(R"({"epochMillis":16})"), "generation is required");
}

TEST(TuningUpdate, MissingValuesKeepCurrentButMissingOwnerIsEmpty) {
  auto r = parse_tuning_update(R"({"generation":9})", kCurrent);
  ASSERT_TRUE(std::holds_alternative<Tuning>(r));
  EXPECT_EQ(std::get<Tuning>(r), (Tuning{kCurrent.arena_bytes, kCurrent.epoch_millis, 9, ""}));
}

TEST(TuningUpdate, UnknownMembersAreRefusedByName) {
  EXPECT_EQ(refused_field(R"({"generation":1,"Owner":"a"})"), "Owner");
  EXPECT_EQ(refusal_message(R"({"generation":1,"":1})"),
            "unknown field (arenaBytes | epochMillis | generation | owner)");
  EXPECT_EQ(refusal_message(R"({"arena":1,"generation":1})"),
            "unknown field (arenaBytes | epochMillis | generation | owner)");
  // Unknown members are named before any other member is checked.
  EXPECT_EQ(refused_field(R"({"owner":7,"generation":-1,"zzz":0})"), "zzz");
}

TEST(TuningUpdate, DuplicateMembersTakeTheFirst) {
  auto r = parse_tuning_update(R"({"generation":1,"epochMillis":20,"epochMillis":30})", kCurrent);
  ASSERT_TRUE(std::holds_alternative<Tuning>(r));
  EXPECT_EQ(std::get<Tuning>(r).epoch_millis, 20u);
  EXPECT_EQ(refused_field(R"({"generation":1,"generation":"x"})"), "<ok>");
  EXPECT_EQ(refused_field(R"({"generation":"x","generation":1})"), "generation");
}

TEST(TuningUpdate, OwnerIsPrintableAsciiUpToTheBound) {
  const std::string longest(kMaxTuningOwnerBytes, '~');
  EXPECT_EQ(refused_field(R"({"generation":1,"owner":")" + longest + "\"}"), "<ok>");
  EXPECT_EQ(refusal_message(R"({"generation":1,"owner":")" + longest + "x\"}"),
            "owner of 129 bytes longer than 128");
  EXPECT_EQ(refused_field(R"({"generation":1,"owner":" !~"})"), "<ok>") << "0x20 and 0x7e are in";
  for (const std::string bad : {R"("a\u001fb")", R"("\u007f")", R"("\u0080")", R"("\ud83d\ude00")",
                                "\"\xc3\xa9\"", R"("\r")", R"("\b")"}) {
    EXPECT_EQ(refusal_message(R"({"generation":1,"owner":)" + bad + "}"),
              "owner must be printable ASCII")
        << bad;
  }
  EXPECT_EQ(refusal_message(R"({"generation":1,"owner":1})"), "owner must be a string");
  // The length is counted in bytes after unescaping.
  std::string escaped;
  for (std::size_t i = 0; i < kMaxTuningOwnerBytes; ++i)
    escaped += "\\u0041";
  EXPECT_EQ(refused_field(R"({"generation":1,"owner":")" + escaped + "\"}"), "<ok>");
}

TEST(TuningUpdate, OwnerIsCheckedBeforeTheNumbers) {
  EXPECT_EQ(refused_field(R"({"arenaBytes":1,"owner":7})"), "owner");
  EXPECT_EQ(refused_field(R"({"arenaBytes":1,"epochMillis":0})"), "arenaBytes");
  EXPECT_EQ(refused_field(R"({"epochMillis":0,"generation":-1})"), "epochMillis");
}

Tuning answer(std::string_view text) {
  rapidjson::Document doc;
  EXPECT_FALSE(parse_json(text, doc, /*require_object=*/false)) << text;
  auto r = read_tuning_answer(doc);
  if (auto* e = std::get_if<TuningFieldError>(&r)) {
    ADD_FAILURE() << text << " refused: " << e->field << ": " << e->message;
    return {};
  }
  return std::get<Tuning>(r);
}

std::string answer_refusal(std::string_view text) {
  rapidjson::Document doc;
  EXPECT_FALSE(parse_json(text, doc, /*require_object=*/false)) << text;
  auto r = read_tuning_answer(doc);
  if (auto* e = std::get_if<TuningFieldError>(&r)) return e->field + ": " + e->message;
  return "<ok>";
}

TEST(TuningAnswer, ValuesAreRequiredGenerationDefaultsToZero) {
  EXPECT_EQ(answer(R"({"arenaBytes":1048576,"epochMillis":1})"), (Tuning{1048576, 1, 0, ""}));
  EXPECT_EQ(answer_refusal(R"({"epochMillis":16,"generation":1})"),
            "arenaBytes: arenaBytes is required");
  EXPECT_EQ(answer_refusal(R"({"arenaBytes":1048576,"generation":1})"),
            "epochMillis: epochMillis is required");
  EXPECT_EQ(answer_refusal("[]"), ": tuning is not a JSON object");
  EXPECT_EQ(answer_refusal("null"), ": tuning is not a JSON object");
}

TEST(TuningAnswer, UnknownMembersAreIgnoredTheFieldRulesStay) {
  EXPECT_EQ(answer(R"({"arenaBytes":1048576,"epochMillis":8,"generation":3,"owner":"u","new":[]})"),
            (Tuning{1048576, 8, 3, "u"}));
  EXPECT_EQ(answer_refusal(R"({"arenaBytes":1048575,"epochMillis":8})"),
            "arenaBytes: arenaBytes 1048575 out of range 1048576 .. 68719476736");
  EXPECT_EQ(answer_refusal(R"({"arenaBytes":1048576,"epochMillis":8,"generation":-1})"),
            "generation: generation must be an unsigned integer");
  EXPECT_EQ(answer_refusal(R"({"arenaBytes":1048576,"epochMillis":8,"owner":"a\nb"})"),
            "owner: owner must be printable ASCII");
}

TEST(TuningRender, OwnerIsLeftOutWhileEmptyAndEscaped) {
  EXPECT_EQ(render_tuning(Tuning{134217728, 16, 0, ""}),
            R"({"arenaBytes":134217728,"epochMillis":16,"generation":0})");
  EXPECT_EQ(render_tuning(Tuning{1048576, 1, UINT64_MAX, R"(a"b\c)"}),
            R"({"arenaBytes":1048576,"epochMillis":1,"generation":18446744073709551615,)"
            R"("owner":"a\"b\\c"})");
}

TEST(TuningRender, WhatIsRenderedParsesBackTheSame) {
  for (const Tuning& t : {Tuning{kMinArenaBytes, kMinEpochMillis, 0, ""},
                          Tuning{kMaxArenaBytes, kMaxEpochMillis, UINT64_MAX,
                                 std::string(kMaxTuningOwnerBytes, '"')}}) {
    auto r = parse_tuning_update(render_tuning(t), kCurrent);
    ASSERT_TRUE(std::holds_alternative<Tuning>(r)) << render_tuning(t);
    EXPECT_EQ(std::get<Tuning>(r), t);
    EXPECT_EQ(answer(render_tuning(t)), t);
  }
}

TEST(TuningRules, SatisfiesNeedsTheSameValuesAndOwner) {
  const Tuning desired{64ull << 20, 8, 2, "uid"};
  EXPECT_TRUE((Tuning{64ull << 20, 8, 1, "uid"}).satisfies(desired)) << "generation is bookkeeping";
  EXPECT_FALSE((Tuning{64ull << 20, 8, 2, "other"}).satisfies(desired));
  EXPECT_FALSE((Tuning{64ull << 20, 9, 2, "uid"}).satisfies(desired));
  EXPECT_TRUE((Tuning{64ull << 20, 8, 0, "x"}).same_values(desired));
}

}  // namespace
}  // namespace trove::common
