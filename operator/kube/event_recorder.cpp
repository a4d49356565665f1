#include "kube/event_recorder.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdio>

#include "kube/errors.hpp"
#include "kube/time_format.hpp"

namespace trove::kube {
namespace {

// API validation limits of events.k8s.io/v1: note 1 KiB, reason 128 chars.
constexpr std::size_t kMaxNote = 1024;
constexpr std::size_t kMaxReason = 128;

std::string_view clip(std::string_view s, std::size_t n) {
  return s.substr(0, n);
}

}  // namespace

ObjectReference ObjectReference::to(const KubeObject& object, std::string api_version,
                                    std::string kind) {
  return ObjectReference{std::move(api_version), std::move(kind), std::string(object.namespace_()),
                         std::string(object.name()), std::string(object.uid())};
}

EventRecorder::EventRecorder(Client& client, EventRecorderConfig config)
    : client_(client), config_(std::move(config)) {}

std::string EventRecorder::event_json(const std::string& name, const ObjectReference& r,
                                      std::string_view type, std::string_view reason,
                                      std::string_view action, std::string_view note,
                                      std::chrono::system_clock::time_point now) const {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  auto str = [&](const char* key, std::string_view value) {
    w.Key(key);
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  };
  w.StartObject();
  str("apiVersion", "events.k8s.io/v1");
  str("kind", "Event");
  w.Key("metadata");
  w.StartObject();
  str("name", name);
  str("namespace", r.namespace_.empty() ? "default" : r.namespace_);
  w.EndObject();
  str("eventTime", format_micro_time(now));
  str("reportingController", config_.reporting_controller);
  str("reportingInstance", config_.reporting_instance);
  str("action", clip(action, kMaxReason));
  str("reason", clip(reason, kMaxReason));
  str("type", type);
  str("note", clip(note, kMaxNote));
  w.Key("regarding");
  w.StartObject();
  str("apiVersion", r.api_version);
  str("kind", r.kind);
  if (!r.namespace_.empty()) str("namespace", r.namespace_);
  str("name", r.name);
  if (!r.uid.empty()) str("uid", r.uid);
  w.EndObject();
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

bool EventRecorder::create(const std::string& key, const ObjectReference& regarding,
                           std::string_view type, std::string_view reason, std::string_view action,
                           std::string_view note) {
  const auto now = std::chrono::system_clock::now();
  char suffix[24];
  std::snprintf(
      suffix, sizeof suffix, ".%llx",
      static_cast<unsigned long long>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count()));
  const std::string name = regarding.name + suffix;  // client-go: "<name>.<unix nanos hex>"
  const std::string ns = regarding.namespace_.empty() ? "default" : regarding.namespace_;
  try {
    client_.create(events_type(), ns, event_json(name, regarding, type, reason, action, note, now));
  } catch (const std::exception&) {
    ++failures_;
    return false;
  }
  ++created_;
  lru_.push_front(key);
  seen_[key] = Seen{ns, name, 1, std::chrono::steady_clock::now(), lru_.begin()};
  while (seen_.size() > config_.max_tracked) {
    seen_.erase(lru_.back());
    lru_.pop_back();
  }
  return true;
}

bool EventRecorder::record(const ObjectReference& regarding, std::string_view type,
                           std::string_view reason, std::string_view action,
                           std::string_view note) {
  std::string key;
  for (std::string_view part :
       {std::string_view(regarding.uid), std::string_view(regarding.kind),
        std::string_view(regarding.namespace_), std::string_view(regarding.name), type, reason,
        action, clip(note, kMaxNote)}) {
    key.append(part).push_back('\x1f');  // unit separator: parts cannot collide
  }
  std::lock_guard lock(mutex_);
  auto it = seen_.find(key);
  if (it == seen_.end() ||
      std::chrono::steady_clock::now() - it->second.first > config_.series_window) {
    if (it != seen_.end()) {
      lru_.erase(it->second.lru);
      seen_.erase(it);
    }
    return create(key, regarding, type, reason, action, note);
  }
  Seen& s = it->second;
  lru_.splice(lru_.begin(), lru_, s.lru);
  const int count = s.count + 1;
  const std::string patch = R"({"series":{"count":)" + std::to_string(count) +
                            R"(,"lastObservedTime":")" +
                            format_micro_time(std::chrono::system_clock::now()) + R"("}})";
  try {
    client_.patch(events_type(), s.namespace_, s.name, PatchType::kMerge, patch);
  } catch (const ApiError& e) {
    if (e.kind() == ErrorKind::kNotFound) {  // expired or deleted: start over
      lru_.erase(s.lru);
      seen_.erase(it);
      return create(key, regarding, type, reason, action, note);
    }
    ++failures_;
    return false;
  } catch (const std::exception&) {
    ++failures_;
    return false;
  }
  s.count = count;
  ++series_updates_;
  return true;
}

}  // namespace trove::kube
