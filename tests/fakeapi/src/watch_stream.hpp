// The socket-free half of a watch: which events a watch wants and their
// lines of JSON. The HTTP layer calls poll() whenever the store changes and
// writes what it returns as one chunk.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "api_error.hpp"
#include "api_state.hpp"
#include "selectors.hpp"
#include "table.hpp"

namespace trove::fakeapi {

struct WatchSpec {
  std::shared_ptr<const ResourceType> type;
  std::string ns;  // empty: all namespaces
  LabelSelector labels;
  FieldSelector fields;
  std::uint64_t cursor = 0;  // last resourceVersion delivered
  bool bookmarks = false;
  bool as_table = false;
  table::IncludeObject include = table::IncludeObject::kMetadata;
  std::chrono::milliseconds timeout{0};
  // Lines to send first: synthetic ADDED events (resourceVersion "" or "0",
  // sendInitialEvents) or the ERROR for a too old resourceVersion.
  std::string initial;
  bool end_after_initial = false;
  std::uint64_t expire_epoch = 0;
  std::uint64_t close_epoch = 0;
  std::uint64_t events_sent = 0;
  // End the watch once this many events were sent (0: no limit); the
  // close-after-events fault.
  std::uint64_t max_events = 0;
  bool column_definitions_sent = false;
};

enum class WatchStep { kContinue, kEnd };

// Appends the lines of every event after spec.cursor that the watch selects
// (state.mutex held by the caller). kEnd after an ERROR line or when the
// server closes all watches.
WatchStep poll_watch(ApiState& state, WatchSpec& spec, std::string& out);

// One event line (`{"type":..,"object":..}\n`) for an object of this watch.
void append_event(WatchSpec& spec, const char* type, const StoredObject& object, std::string& out);
std::string bookmark_line(const WatchSpec& spec, std::uint64_t resource_version,
                          bool initial_events_end = false);
std::string error_line(const ApiError& error);

}  // namespace trove::fakeapi
