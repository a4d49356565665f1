#include "trove/common/tuning.hpp"

#include <rapidjson/document.h>

#include <array>
#include <optional>

#include "trove/common/json.hpp"

namespace trove::common {

namespace {

// What differs between a writer's PUT body and a sidecar's answer.
struct TuningRules {
  bool values_required;      // arenaBytes, epochMillis
  bool generation_required;  // else a missing generation keeps the start value
  bool unknown_refused;
};

constexpr TuningRules kUpdateRules{false, true, true};
constexpr TuningRules kAnswerRules{true, false, false};

constexpr std::array<std::string_view, 4> kMemberNames{"arenaBytes", "epochMillis", "generation",
                                                       "owner"};

std::string range_text(std::uint64_t min, std::uint64_t max) {
  return std::to_string(min) + " .. " + std::to_string(max);
}

std::optional<TuningFieldError> find_unknown_member(const rapidjson::Value& object) {
  for (const auto& member : object.GetObject()) {
    const std::string_view name(member.name.GetString(), member.name.GetStringLength());
    bool known = false;
    for (const std::string_view k : kMemberNames)
      known = known || name == k;
    if (!known) {
      return TuningFieldError{std::string(name),
                              "unknown field (arenaBytes | epochMillis | generation | owner)"};
    }
  }
  return std::nullopt;
}

// Missing: "" (the owner of every writer that names none). Control
// characters and non-ASCII are refused: the owner is echoed in JSON, logs
// and the operator's status, and a uid is plain ASCII.
std::optional<TuningFieldError> read_owner(const rapidjson::Value& object, std::string& owner) {
  const rapidjson::Value* value = find_member(object, "owner");
  if (value == nullptr) {
    owner.clear();
    return std::nullopt;
  }
  if (!value->IsString()) return TuningFieldError{"owner", "owner must be a string"};
  const std::string_view text(value->GetString(), value->GetStringLength());
  if (text.size() > kMaxTuningOwnerBytes) {
    return TuningFieldError{"owner", "owner of " + std::to_string(text.size()) +
                                         " bytes longer than " +
                                         std::to_string(kMaxTuningOwnerBytes)};
  }
  for (const char c : text) {
    if (c < 0x20 || c > 0x7e) return TuningFieldError{"owner", "owner must be printable ASCII"};
  }
  owner.assign(text);
  return std::nullopt;
}

struct NumberField {
  const char* name;
  std::uint64_t Tuning::*field;
  std::uint64_t min;
  std::uint64_t max;
  bool required;
};

std::optional<TuningFieldError> read_number(const rapidjson::Value& object, const NumberField& f,
                                            Tuning& out) {
  std::uint64_t value = 0;
  switch (get_uint64_member(object, f.name, value)) {
    case JsonFieldStatus::kMissing:
      if (f.required) return TuningFieldError{f.name, std::string(f.name) + " is required"};
      return std::nullopt;
    case JsonFieldStatus::kWrongType:
      return TuningFieldError{f.name, std::string(f.name) + " must be an unsigned integer"};
    case JsonFieldStatus::kOk:
      break;
  }
  if (value < f.min || value > f.max) {
    return TuningFieldError{f.name, std::string(f.name) + " " + std::to_string(value) +
                                        " out of range " + range_text(f.min, f.max)};
  }
  out.*f.field = value;
  return std::nullopt;
}

// `start` supplies what a missing optional member keeps.
TuningOrError read_tuning(const rapidjson::Value& object, const TuningRules& rules, Tuning start) {
  if (!object.IsObject()) return TuningFieldError{"", "tuning is not a JSON object"};
  if (rules.unknown_refused) {
    if (auto error = find_unknown_member(object)) return *error;
  }
  if (auto error = read_owner(object, start.owner)) return *error;
  const NumberField fields[] = {
      {"arenaBytes", &Tuning::arena_bytes, kMinArenaBytes, kMaxArenaBytes, rules.values_required},
      {"epochMillis", &Tuning::epoch_millis, kMinEpochMillis, kMaxEpochMillis,
       rules.values_required},
      {"generation", &Tuning::generation, 0, UINT64_MAX, rules.generation_required},
  };
  for (const NumberField& f : fields) {
    if (auto error = read_number(object, f, start)) return *error;
  }
  return start;
}

}  // namespace

TuningOrError parse_tuning_update(std::string_view body, const Tuning& current) {
  rapidjson::Document doc;
  if (auto error = parse_json(body, doc)) {
    return TuningFieldError{"", "body is not a JSON object: " + *error};
  }
  return read_tuning(doc, kUpdateRules, current);
}

TuningOrError read_tuning_answer(const rapidjson::Value& object) {
  Tuning start;
  start.generation = 0;  // a missing generation reads as 0, whatever the default becomes
  return read_tuning(object, kAnswerRules, start);
}

std::string render_tuning(const Tuning& t) {
  std::string json = "{\"arenaBytes\":" + std::to_string(t.arena_bytes) +
                     ",\"epochMillis\":" + std::to_string(t.epoch_millis) +
                     ",\"generation\":" + std::to_string(t.generation);
  if (!t.owner.empty()) {
    json += ",\"owner\":";
    append_json_string(json, t.owner);
  }
  json += '}';
  return json;
}

}  // namespace trove::common
