#include "trove/fakeapi/faults.hpp"

#include "json_util.hpp"

namespace trove::fakeapi {

void FaultInjector::set_latency(std::chrono::milliseconds latency) {
  std::lock_guard lock(mutex_);
  latency_ = latency;
}

std::chrono::milliseconds FaultInjector::latency() const {
  std::lock_guard lock(mutex_);
  return latency_;
}

void FaultInjector::add_request_fault(RequestFault fault) {
  std::lock_guard lock(mutex_);
  request_faults_.push_back(std::move(fault));
}

void FaultInjector::clear_request_faults() {
  std::lock_guard lock(mutex_);
  request_faults_.clear();
}

void FaultInjector::set_watch_faults(WatchFaults faults) {
  std::lock_guard lock(mutex_);
  watch_faults_ = faults;
}

WatchFaults FaultInjector::watch_faults() const {
  std::lock_guard lock(mutex_);
  return watch_faults_;
}

void FaultInjector::set_expire_lists(bool on) {
  std::lock_guard lock(mutex_);
  expire_lists_ = on;
}

bool FaultInjector::expire_lists() const {
  std::lock_guard lock(mutex_);
  return expire_lists_;
}

void FaultInjector::clear() {
  std::lock_guard lock(mutex_);
  latency_ = std::chrono::milliseconds(0);
  request_faults_.clear();
  watch_faults_ = WatchFaults{};
  expire_lists_ = false;
}

std::optional<InjectedError> FaultInjector::take_request_fault(std::string_view verb,
                                                               std::string_view resource) {
  std::lock_guard lock(mutex_);
  for (auto it = request_faults_.begin(); it != request_faults_.end(); ++it) {
    if (!it->verb.empty() && it->verb != verb) continue;
    if (!it->resource.empty() && it->resource != resource) continue;
    if (it->count == 0) continue;
    if (it->fraction < 1.0 &&
        std::uniform_real_distribution<double>(0.0, 1.0)(random_) >= it->fraction) {
      continue;
    }
    InjectedError out{it->status, it->status == 429 ? it->retry_after_seconds : 0};
    if (it->count > 0 && --it->count == 0) request_faults_.erase(it);
    return out;
  }
  return std::nullopt;
}

namespace {

// Reads an optional integer member into *out; false if present but not one.
bool read_int(const json::Value& obj, const char* key, int* out, std::string* error) {
  const json::Value* v = json::find(obj, key);
  if (v == nullptr) return true;
  if (!v->IsInt()) {
    *error = std::string(key) + " must be an integer";
    return false;
  }
  *out = v->GetInt();
  return true;
}

bool read_bool(const json::Value& obj, const char* key, bool* out, std::string* error) {
  const json::Value* v = json::find(obj, key);
  if (v == nullptr) return true;
  if (!v->IsBool()) {
    *error = std::string(key) + " must be a boolean";
    return false;
  }
  *out = v->GetBool();
  return true;
}

// Parsing is bounded: a fault list of thousands is a mistake or an attack.
constexpr std::size_t kMaxRequestFaults = 256;

}  // namespace

std::string FaultInjector::apply_json(std::string_view text) {
  json::Document doc;
  std::string error;
  if (!json::parse(text, doc, &error)) return "malformed JSON: " + error;
  if (!doc.IsObject()) return "the body must be a JSON object";
  for (const auto& m : doc.GetObject()) {
    std::string_view key(m.name.GetString(), m.name.GetStringLength());
    if (key != "latencyMs" && key != "requests" && key != "watch" && key != "expireLists") {
      return "unknown field \"" + std::string(key) + "\"";
    }
  }
  int latency = -1;
  if (!read_int(doc, "latencyMs", &latency, &error)) return error;
  if (json::find(doc, "latencyMs") != nullptr && (latency < 0 || latency > 60'000)) {
    return "latencyMs must be within 0..60000";
  }
  std::optional<std::vector<RequestFault>> requests;
  if (const json::Value* list = json::find(doc, "requests")) {
    if (!list->IsArray()) return "requests must be an array";
    if (list->Size() > kMaxRequestFaults) return "too many request faults";
    requests.emplace();
    for (const auto& item : list->GetArray()) {
      if (!item.IsObject()) return "each request fault must be an object";
      RequestFault f;
      f.verb = json::string_at(item, {"verb"});
      f.resource = json::string_at(item, {"resource"});
      if (!read_int(item, "status", &f.status, &error) ||
          !read_int(item, "retryAfterSeconds", &f.retry_after_seconds, &error) ||
          !read_int(item, "count", &f.count, &error)) {
        return error;
      }
      if (f.status < 400 || f.status > 599) return "status must be a 4xx or 5xx code";
      if (f.count < -1) return "count must be -1 (unlimited) or more";
      if (f.retry_after_seconds < 0 || f.retry_after_seconds > 3600) {
        return "retryAfterSeconds must be within 0..3600";
      }
      if (const json::Value* fraction = json::find(item, "fraction")) {
        if (!fraction->IsNumber() || fraction->GetDouble() < 0.0 || fraction->GetDouble() > 1.0) {
          return "fraction must be a number within 0..1";
        }
        f.fraction = fraction->GetDouble();
      }
      requests->push_back(std::move(f));
    }
  }
  WatchFaults watch = watch_faults();
  if (const json::Value* w = json::find(doc, "watch")) {
    if (!w->IsObject()) return "watch must be an object";
    if (!read_int(*w, "closeAfterEvents", &watch.close_after_events, &error) ||
        !read_int(*w, "closeAfterMs", &watch.close_after_ms, &error) ||
        !read_bool(*w, "silent", &watch.silent, &error) ||
        !read_bool(*w, "expiredAsHttpStatus", &watch.expired_as_http_status, &error)) {
      return error;
    }
  }
  bool expire = expire_lists();
  if (!read_bool(doc, "expireLists", &expire, &error)) return error;

  std::lock_guard lock(mutex_);
  if (latency >= 0) latency_ = std::chrono::milliseconds(latency);
  if (requests) request_faults_ = std::move(*requests);
  watch_faults_ = watch;
  expire_lists_ = expire;
  return {};
}

std::string FaultInjector::to_json() const {
  std::lock_guard lock(mutex_);
  std::string out = "{\"latencyMs\":" + std::to_string(latency_.count()) + ",\"requests\":[";
  for (std::size_t i = 0; i < request_faults_.size(); ++i) {
    const RequestFault& f = request_faults_[i];
    if (i > 0) out += ",";
    out += "{\"verb\":" + json::quote(f.verb) + ",\"resource\":" + json::quote(f.resource) +
           ",\"status\":" + std::to_string(f.status) +
           ",\"retryAfterSeconds\":" + std::to_string(f.retry_after_seconds) +
           ",\"count\":" + std::to_string(f.count) + ",\"fraction\":" + std::to_string(f.fraction) +
           "}";
  }
  out += "],\"watch\":{\"closeAfterEvents\":" + std::to_string(watch_faults_.close_after_events) +
         ",\"closeAfterMs\":" + std::to_string(watch_faults_.close_after_ms) +
         ",\"silent\":" + (watch_faults_.silent ? "true" : "false") +
         ",\"expiredAsHttpStatus\":" + (watch_faults_.expired_as_http_status ? "true" : "false") +
         "},\"expireLists\":" + (expire_lists_ ? "true" : "false") + "}";
  return out;
}

}  // namespace trove::fakeapi
