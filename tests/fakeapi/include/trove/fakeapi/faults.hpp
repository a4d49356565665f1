// Runtime fault injection for the fake API server. Switch faults on and off
// from any thread (in-process) or over HTTP (POST /_fake/faults with the JSON
// form documented in tests/fakeapi/README.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace trove::fakeapi {

// Answer matching requests with an error status instead of serving them.
struct RequestFault {
  // "get", "list", "watch", "create", "update", "patch", "delete",
  // "deletecollection"; empty matches every verb.
  std::string verb;
  // Plural resource name ("pods", "treasurehunts"); empty matches all.
  std::string resource;
  // 409 Conflict, 410 Expired, 429 TooManyRequests (with Retry-After), 500
  // InternalError, 401, 503, ... any 4xx/5xx status.
  int status = 500;
  int retry_after_seconds = 1;
  // How many more matching requests get the fault; -1 = no limit.
  int count = -1;
  // Probability that a matching request gets the fault (0..1).
  double fraction = 1.0;
};

// Faults applied to watch streams.
struct WatchFaults {
  // End each watch normally after sending this many events (-1 = off).
  int close_after_events = -1;
  // End each watch normally this long after it started (-1 = off).
  int close_after_ms = -1;
  // New watches (and every open one) stop sending anything, bookmarks
  // included, and never close: a connection that died silently. A watch that
  // went silent stays silent after the switch is turned off.
  bool silent = false;
  // A watch from a resourceVersion that is too old gets HTTP 410 as the
  // status of the watch request itself instead of 200 + an ERROR event.
  bool expired_as_http_status = false;
};

// The decision for one request.
struct InjectedError {
  int status = 500;
  int retry_after_seconds = 0;
};

class FaultInjector {
 public:
  void set_latency(std::chrono::milliseconds latency);
  std::chrono::milliseconds latency() const;

  void add_request_fault(RequestFault fault);
  void clear_request_faults();

  void set_watch_faults(WatchFaults faults);
  WatchFaults watch_faults() const;

  // When on, LIST with an explicit resourceVersion (not "" or "0") or a
  // continue token older than the compacted history answers 410 Expired, as
  // etcd does after compaction. Off by default: kube-apiserver serves such
  // lists from its watch cache.
  void set_expire_lists(bool on);
  bool expire_lists() const;

  // Everything back to normal (the default state).
  void clear();

  // Applies the JSON form ({"latencyMs":..,"requests":[..],"watch":{..},
  // "expireLists":..}); fields not given keep their value, "requests"
  // replaces the list. Returns an error message, or empty on success.
  std::string apply_json(std::string_view json);
  std::string to_json() const;

  // Consumes one matching fault for a request, if any. Thread-safe.
  std::optional<InjectedError> take_request_fault(std::string_view verb, std::string_view resource);

 private:
  mutable std::mutex mutex_;
  std::chrono::milliseconds latency_{0};
  std::vector<RequestFault> request_faults_;
  WatchFaults watch_faults_;
  bool expire_lists_ = false;
  std::mt19937_64 random_{0x7407e};
};

}  // namespace trove::fakeapi
