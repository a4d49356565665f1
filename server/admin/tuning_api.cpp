#include "admin/tuning_api.hpp"

#include "trove/common/json.hpp"

namespace trove::admin {

namespace {

std::string Range(std::uint64_t min, std::uint64_t max) {
  return std::to_string(min) + " .. " + std::to_string(max);
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
    if (name != "arenaBytes" && name != "epochMillis" && name != "generation") {
      return TuningFieldError{std::string(name),
                              "unknown field (arenaBytes | epochMillis | generation)"};
    }
  }
  net::Tuning next = current;
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
  return "{\"arenaBytes\":" + std::to_string(t.arena_bytes) +
         ",\"epochMillis\":" + std::to_string(t.epoch_millis) +
         ",\"generation\":" + std::to_string(t.generation) + "}";
}

}  // namespace trove::admin
