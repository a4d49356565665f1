#include "admin/tuning_api.hpp"

#include <optional>

#include "trove/common/json.hpp"
#include "trove/common/tuning_owner.hpp"

namespace trove::admin {

namespace {

std::string Range(std::uint64_t min, std::uint64_t max) {
  return std::to_string(min) + " .. " + std::to_string(max);
}

// Missing: "" (the owner of every writer that names none). Control
// characters and non-ASCII are refused: the owner is echoed in JSON, logs
// and the operator's status, and a uid is plain ASCII.
std::optional<TuningFieldError> ReadOwner(const rapidjson::Document& doc, std::string& owner) {
  auto it = doc.FindMember("owner");
  if (it == doc.MemberEnd()) {
    owner.clear();
    return std::nullopt;
  }
  if (!it->value.IsString()) return TuningFieldError{"owner", "owner must be a string"};
  const std::string_view value(it->value.GetString(), it->value.GetStringLength());
  if (value.size() > common::kMaxTuningOwnerBytes) {
    return TuningFieldError{"owner", "owner of " + std::to_string(value.size()) +
                                         " bytes longer than " +
                                         std::to_string(common::kMaxTuningOwnerBytes)};
  }
  for (const char c : value) {
    if (c < 0x20 || c > 0x7e) {
      return TuningFieldError{"owner", "owner must be printable ASCII"};
    }
  }
  owner.assign(value);
  return std::nullopt;
}

}  // namespace

std::variant<net::Tuning, TuningFieldError> ParseTuningBody(std::string_view body,
                                                            const net::Tuning& current) {
  rapidjson::Document doc;
  if (auto error = common::ParseJson(body, doc)) {
    return TuningFieldError{"", "body is not a JSON object: " + *error};
  }
  for (const auto& member : doc.GetObject()) {
    const std::string_view name(member.name.GetString(), member.name.GetStringLength());
    if (name != "arenaBytes" && name != "epochMillis" && name != "generation" && name != "owner") {
      return TuningFieldError{std::string(name),
                              "unknown field (arenaBytes | epochMillis | generation | owner)"};
    }
  }
  net::Tuning next = current;
  if (auto error = ReadOwner(doc, next.owner)) return *error;
  struct Field {
    const char* name;
    std::uint64_t* out;
    std::uint64_t min;
    std::uint64_t max;
    bool required;
  };
  const Field fields[] = {
      {"arenaBytes", &next.arena_bytes, net::kMinArenaBytes, net::kMaxArenaBytes, false},
      {"epochMillis", &next.epoch_millis, net::kMinEpochMillis, net::kMaxEpochMillis, false},
      {"generation", &next.generation, 0, UINT64_MAX, true},
  };
  for (const Field& f : fields) {
    std::uint64_t value = 0;
    switch (common::GetUint64Member(doc, f.name, value)) {
      case common::JsonFieldStatus::kMissing:
        if (f.required) return TuningFieldError{f.name, std::string(f.name) + " is required"};
        continue;
      case common::JsonFieldStatus::kWrongType:
        return TuningFieldError{f.name, std::string(f.name) + " must be an unsigned integer"};
      case common::JsonFieldStatus::kOk:
        break;
    }
    if (value < f.min || value > f.max) {
      return TuningFieldError{f.name, std::string(f.name) + " " + std::to_string(value) +
                                          " out of range " + Range(f.min, f.max)};
    }
    *f.out = value;
  }
  return next;
}

std::string TuningJson(const net::Tuning& t) {
  std::string json = "{\"arenaBytes\":" + std::to_string(t.arena_bytes) +
                     ",\"epochMillis\":" + std::to_string(t.epoch_millis) +
                     ",\"generation\":" + std::to_string(t.generation);
  if (!t.owner.empty()) {
    json += ",\"owner\":";
    common::AppendJsonString(json, t.owner);
  }
  json += '}';
  return json;
}

}  // namespace trove::admin
