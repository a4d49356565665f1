#include "watch_stream.hpp"

namespace trove::fakeapi {

namespace {

bool selected(const WatchSpec& spec, const ObjectPtr& object) {
  return object != nullptr && spec.labels.matches(object->doc) && spec.fields.matches(object->doc);
}

}  // namespace

void append_event(WatchSpec& spec, const char* type, const StoredObject& object, std::string& out) {
  out += "{\"type\":\"";
  out += type;
  out += "\",\"object\":";
  if (spec.as_table) {
    std::string metadata =
        "{\"resourceVersion\":\"" + std::to_string(object.resource_version) + "\"}";
    // Like kube-apiserver, only the first event carries the column definitions.
    out +=
        table::render(*spec.type, {&object}, metadata, spec.include, !spec.column_definitions_sent);
    spec.column_definitions_sent = true;
  } else {
    out += object.text;
  }
  out += "}\n";
  ++spec.events_sent;
}

std::string bookmark_line(const WatchSpec& spec, std::uint64_t resource_version,
                          bool initial_events_end) {
  std::string out = "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":" + json::quote(spec.type->kind) +
                    ",\"apiVersion\":" + json::quote(spec.type->api_version()) +
                    ",\"metadata\":{\"resourceVersion\":\"" + std::to_string(resource_version) +
                    "\"";
  if (initial_events_end) out += R"(,"annotations":{"k8s.io/initial-events-end":"true"})";
  return out + "}}}\n";
}

std::string error_line(const ApiError& error) {
  return "{\"type\":\"ERROR\",\"object\":" + error.to_json() + "}\n";
}

WatchStep poll_watch(ApiState& state, WatchSpec& spec, std::string& out) {
  if (spec.expire_epoch != state.expire_epoch) {
    out += error_line(ApiError::expired("too old resource version: " + std::to_string(spec.cursor) +
                                        " (" + std::to_string(state.store.compacted_rv()) + ")"));
    return WatchStep::kEnd;
  }
  if (spec.close_epoch != state.close_epoch) return WatchStep::kEnd;
  std::vector<const ChangeEvent*> events;
  if (!state.store.events_after(spec.cursor, events)) {
    out += error_line(ApiError::expired("too old resource version: " + std::to_string(spec.cursor) +
                                        " (" + std::to_string(state.store.compacted_rv()) + ")"));
    return WatchStep::kEnd;
  }
  std::string key = spec.type->storage_key();
  auto limit_reached = [&] { return spec.max_events > 0 && spec.events_sent >= spec.max_events; };
  if (limit_reached()) return WatchStep::kEnd;
  for (const ChangeEvent* e : events) {
    // Stop before the event, so a client resuming from the cursor gets it.
    if (limit_reached()) return WatchStep::kEnd;
    spec.cursor = e->resource_version;
    if (e->storage_key != key || (!spec.ns.empty() && e->ns != spec.ns)) continue;
    bool now = e->type != EventType::kDeleted && selected(spec, e->object);
    bool before = e->type != EventType::kAdded && selected(spec, e->previous);
    if (e->type == EventType::kDeleted) {
      // The deleted object's last state decides whether this watch saw it.
      if (before) append_event(spec, "DELETED", *e->object, out);
    } else if (now && before) {
      append_event(spec, "MODIFIED", *e->object, out);
    } else if (now) {
      append_event(spec, "ADDED", *e->object, out);
    } else if (before) {
      // It left the selection: to this watch it is gone.
      append_event(spec, "DELETED", *e->object, out);
    }
  }
  return limit_reached() ? WatchStep::kEnd : WatchStep::kContinue;
}

}  // namespace trove::fakeapi
