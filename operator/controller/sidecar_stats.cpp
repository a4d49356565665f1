#include "controller/sidecar_stats.hpp"

#include <rapidjson/document.h>

#include <cmath>
#include <variant>

#include "trove/common/json.hpp"

namespace trove::controller {

namespace {

using common::find_member;
using rapidjson::Value;

// A sidecar answer is small; anything bigger is not a trove-server.
constexpr std::size_t kMaxBodyBytes = 64 * 1024;
// The largest double below 2^63: anything at or above saturates to INT64_MAX.
constexpr double kInt64Saturation = 9.2e18;

// Non-negative integer figure; negatives, fractions and garbage read as 0
// so a confused sidecar can never make the autotuner shrink below bounds.
std::int64_t count(const Value* obj, const char* name) {
  const Value* v = find_member(obj, name);
  if (v == nullptr) return 0;
  if (v->IsInt64()) return v->GetInt64() < 0 ? 0 : v->GetInt64();
  if (v->IsUint64()) return INT64_MAX;  // above int64: saturate
  if (v->IsDouble() && std::isfinite(v->GetDouble()) && v->GetDouble() > 0) {
    return v->GetDouble() >= kInt64Saturation ? INT64_MAX
                                              : static_cast<std::int64_t>(v->GetDouble());
  }
  return 0;
}

double real(const Value* obj, const char* name) {
  const Value* v = find_member(obj, name);
  if (v == nullptr || !v->IsNumber()) return 0;
  const double d = v->GetDouble();
  return std::isfinite(d) && d > 0 ? d : 0;
}

bool parse_body(std::string_view body, rapidjson::Document& doc, std::string& error) {
  if (body.size() > kMaxBodyBytes) {
    error = "sidecar answer larger than 64 KiB";
    return false;
  }
  // common::ParseJson parses iteratively: hostile nesting cannot exhaust the stack.
  if (common::parse_json(body, doc)) {
    error = "sidecar answer is not a JSON object";
    return false;
  }
  return true;
}

// The same rules trove-server accepted the tuning with (common/tuning.hpp).
std::optional<Tuning> tuning_from(const Value& v, std::string& error) {
  auto read = common::read_tuning_answer(v);
  if (auto* e = std::get_if<common::TuningFieldError>(&read)) {
    error = "sidecar tuning: " + e->message;
    return std::nullopt;
  }
  return std::get<Tuning>(std::move(read));
}

}  // namespace

std::optional<SidecarStats> parse_sidecar_stats(std::string_view body, std::string& error) {
  rapidjson::Document doc;
  if (!parse_body(body, doc, error)) return std::nullopt;
  const Value* tuning = find_member(doc, "tuning");
  if (tuning == nullptr) {
    error = "stats lack a tuning object";
    return std::nullopt;
  }
  auto t = tuning_from(*tuning, error);
  if (!t) return std::nullopt;
  SidecarStats s;
  s.tuning = std::move(*t);
  s.workers = count(&doc, "workers");
  if (s.workers < 1) s.workers = 1;
  const Value* epoch = find_member(doc, "epoch");
  s.window_epochs = count(epoch, "windowEpochs");
  const Value* hw = find_member(epoch, "highWaterBytes");
  s.high_water_p90 = count(hw, "p90");
  s.high_water_p99 = count(hw, "p99");
  s.high_water_max = count(hw, "max");
  s.reset_micros_p99 = real(find_member(epoch, "resetMicros"), "p99");
  s.purge_micros_p99 = real(find_member(epoch, "purgeMicros"), "p99");
  s.overflows = count(epoch, "overflows");
  s.messages_per_second = real(find_member(doc, "ingest"), "messagesPerSecond");
  s.rss_bytes = count(&doc, "rssBytes");
  return s;
}

std::optional<Tuning> parse_tuning(std::string_view body, std::string& error) {
  rapidjson::Document doc;
  if (!parse_body(body, doc, error)) return std::nullopt;
  return tuning_from(doc, error);
}

bool rejects_owner_field(int status, std::string_view body) {
  if (status != 400) return false;
  rapidjson::Document doc;
  std::string error;
  if (!parse_body(body, doc, error)) return false;
  return common::string_member(&doc, "field") == "owner";
}

}  // namespace trove::controller
