// Fuzzes the admin tuning document (common/tuning, docs/contracts.md): a PUT
// body and a sidecar's answer. Whatever is accepted is inside the bounds, and
// rendering it and parsing the rendering gives the same tuning back.
#include <rapidjson/document.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "fuzz_check.hpp"
#include "trove/common/tuning.hpp"

namespace {

using namespace trove::common;

void check_bounds(const Tuning& t) {
  FUZZ_CHECK(t.arena_bytes >= kMinArenaBytes && t.arena_bytes <= kMaxArenaBytes);
  FUZZ_CHECK(t.epoch_millis >= kMinEpochMillis && t.epoch_millis <= kMaxEpochMillis);
  FUZZ_CHECK(t.owner.size() <= kMaxTuningOwnerBytes);
}

void check_round_trip(const Tuning& t) {
  const std::string rendered = render_tuning(t);
  const TuningOrError again = parse_tuning_update(rendered, Tuning{});
  FUZZ_CHECK(std::holds_alternative<Tuning>(again) && std::get<Tuning>(again) == t);
  rapidjson::Document doc;
  doc.Parse(rendered.data(), rendered.size());
  FUZZ_CHECK(!doc.HasParseError() && doc.IsObject());
  const TuningOrError answer = read_tuning_answer(doc);
  FUZZ_CHECK(std::holds_alternative<Tuning>(answer) && std::get<Tuning>(answer) == t);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const TuningOrError update = parse_tuning_update(body, Tuning{});
  if (const auto* t = std::get_if<Tuning>(&update)) {
    check_bounds(*t);
    check_round_trip(*t);
  } else {
    FUZZ_CHECK(!std::get<TuningFieldError>(update).message.empty());
  }
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
  if (!doc.HasParseError() && doc.IsObject()) {
    const TuningOrError answer = read_tuning_answer(doc);
    if (const auto* t = std::get_if<Tuning>(&answer)) {
      check_bounds(*t);
      check_round_trip(*t);
    }
  }
  return 0;
}
