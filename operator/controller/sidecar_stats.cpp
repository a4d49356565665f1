#include "controller/sidecar_stats.hpp"

#include <rapidjson/document.h>
#include <rapidjson/writer.h>

#include <cmath>

#include "trove/common/tuning_owner.hpp"

namespace trove::controller {

namespace {

using rapidjson::Value;

// A sidecar answer is small; anything bigger is not a trove-server.
constexpr std::size_t kMaxBodyBytes = 64 * 1024;

const Value* find(const Value& obj, const char* name) {
  if (!obj.IsObject()) return nullptr;
  auto it = obj.FindMember(name);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

// Non-negative integer figure; negatives, fractions and garbage read as 0
// so a confused sidecar can never make the autotuner shrink below bounds.
std::int64_t count(const Value* obj, const char* name) {
  if (obj == nullptr) return 0;
  const Value* v = find(*obj, name);
  if (v == nullptr) return 0;
  if (v->IsInt64()) return v->GetInt64() < 0 ? 0 : v->GetInt64();
  if (v->IsUint64()) return INT64_MAX;  // above int64: saturate
  if (v->IsDouble() && std::isfinite(v->GetDouble()) && v->GetDouble() > 0) {
    return v->GetDouble() >= 9.2e18 ? INT64_MAX : static_cast<std::int64_t>(v->GetDouble());
  }
  return 0;
}

double real(const Value* obj, const char* name) {
  if (obj == nullptr) return 0;
  const Value* v = find(*obj, name);
  if (v == nullptr || !v->IsNumber()) return 0;
  const double d = v->GetDouble();
  return std::isfinite(d) && d > 0 ? d : 0;
}

bool parse_body(std::string_view body, rapidjson::Document& doc, std::string& error) {
  if (body.size() > kMaxBodyBytes) {
    error = "sidecar answer larger than 64 KiB";
    return false;
  }
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    error = "sidecar answer is not a JSON object";
    return false;
  }
  return true;
}

std::optional<Tuning> tuning_from(const Value& v, std::string& error) {
  const Value* a = find(v, "arenaBytes");
  const Value* e = find(v, "epochMillis");
  if (a == nullptr || e == nullptr || !a->IsInt64() || !e->IsInt64() || a->GetInt64() <= 0 ||
      e->GetInt64() <= 0) {
    error = "sidecar tuning lacks positive integer arenaBytes/epochMillis";
    return std::nullopt;
  }
  Tuning t;
  t.arena_bytes = a->GetInt64();
  t.epoch_millis = e->GetInt64();
  t.generation = count(&v, "generation");
  if (const Value* o = find(v, "owner"); o != nullptr) {
    // The sidecar only accepts printable ASCII up to the shared bound;
    // anything else is not a trove-server's answer.
    if (!o->IsString() || o->GetStringLength() > common::kMaxTuningOwnerBytes) {
      error = "sidecar tuning owner is not a string of at most " +
              std::to_string(common::kMaxTuningOwnerBytes) + " bytes";
      return std::nullopt;
    }
    t.owner.assign(o->GetString(), o->GetStringLength());
  }
  return t;
}

}  // namespace

std::optional<SidecarStats> parse_sidecar_stats(std::string_view body, std::string& error) {
  rapidjson::Document doc;
  if (!parse_body(body, doc, error)) return std::nullopt;
  const Value* tuning = find(doc, "tuning");
  if (tuning == nullptr) {
    error = "stats lack a tuning object";
    return std::nullopt;
  }
  auto t = tuning_from(*tuning, error);
  if (!t) return std::nullopt;
  SidecarStats s;
  s.tuning = *t;
  s.workers = count(&doc, "workers");
  if (s.workers < 1) s.workers = 1;
  const Value* epoch = find(doc, "epoch");
  s.window_epochs = count(epoch, "windowEpochs");
  const Value* hw = epoch != nullptr ? find(*epoch, "highWaterBytes") : nullptr;
  s.high_water_p90 = count(hw, "p90");
  s.high_water_p99 = count(hw, "p99");
  s.high_water_max = count(hw, "max");
  s.reset_micros_p99 = real(epoch != nullptr ? find(*epoch, "resetMicros") : nullptr, "p99");
  s.purge_micros_p99 = real(epoch != nullptr ? find(*epoch, "purgeMicros") : nullptr, "p99");
  s.overflows = count(epoch, "overflows");
  s.messages_per_second = real(find(doc, "ingest"), "messagesPerSecond");
  s.rss_bytes = count(&doc, "rssBytes");
  return s;
}

std::optional<Tuning> parse_tuning(std::string_view body, std::string& error) {
  rapidjson::Document doc;
  if (!parse_body(body, doc, error)) return std::nullopt;
  return tuning_from(doc, error);
}

std::string render_tuning(const Tuning& t) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("arenaBytes");
  w.Int64(t.arena_bytes);
  w.Key("epochMillis");
  w.Int64(t.epoch_millis);
  w.Key("generation");
  w.Int64(t.generation);
  if (!t.owner.empty()) {
    w.Key("owner");
    w.String(t.owner.data(), static_cast<rapidjson::SizeType>(t.owner.size()));
  }
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

bool rejects_owner_field(int status, std::string_view body) {
  if (status != 400) return false;
  rapidjson::Document doc;
  std::string error;
  if (!parse_body(body, doc, error)) return false;
  const Value* field = find(doc, "field");
  return field != nullptr && field->IsString() &&
         std::string_view(field->GetString(), field->GetStringLength()) == "owner";
}

}  // namespace trove::controller
