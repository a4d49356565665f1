// Records events.k8s.io/v1 Events about objects, with de-duplication: the
// same (regarding, type, reason, action, note) within `series_window` does
// not create another Event but bumps the first one's series.count through a
// merge patch, as client-go's events library does (isomorphic events within
// 6 minutes form a series). Best effort: failures are counted, never thrown.
// Thread-safe; record() blocks for one API call.
#pragma once

#include <atomic>
#include <chrono>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

#include "kube/client.hpp"

namespace trove::kube {

struct ObjectReference {
  std::string api_version;
  std::string kind;
  std::string namespace_;
  std::string name;
  std::string uid;

  // Reference to `object` (whose apiVersion/kind may be absent in list items).
  static ObjectReference to(const KubeObject& object, std::string api_version, std::string kind);
};

struct EventRecorderConfig {
  std::string reporting_controller = "trove.dev/operator";
  std::string reporting_instance;  // e.g. the pod name
  std::chrono::milliseconds series_window{6 * 60 * 1000};
  std::size_t max_tracked = 4096;  // LRU bound of remembered events
};

class EventRecorder {
 public:
  EventRecorder(Client& client, EventRecorderConfig config);

  // type is "Normal" or "Warning". Returns true when the API accepted it.
  bool record(const ObjectReference& regarding, std::string_view type, std::string_view reason,
              std::string_view action, std::string_view note);

  std::uint64_t created() const { return created_.load(); }
  std::uint64_t series_updates() const { return series_updates_.load(); }
  std::uint64_t failures() const { return failures_.load(); }

  // The Event body record() would create (exposed for tests).
  std::string event_json(const std::string& name, const ObjectReference& regarding,
                         std::string_view type, std::string_view reason, std::string_view action,
                         std::string_view note, std::chrono::system_clock::time_point now) const;

 private:
  struct Seen {
    std::string namespace_;
    std::string name;
    int count = 1;
    std::chrono::steady_clock::time_point first;
    std::list<std::string>::iterator lru;
  };
  bool create(const std::string& key, const ObjectReference& regarding, std::string_view type,
              std::string_view reason, std::string_view action, std::string_view note);

  Client& client_;
  const EventRecorderConfig config_;
  std::mutex mutex_;
  std::unordered_map<std::string, Seen> seen_;
  std::list<std::string> lru_;  // most recent first
  std::atomic<std::uint64_t> created_{0};
  std::atomic<std::uint64_t> series_updates_{0};
  std::atomic<std::uint64_t> failures_{0};
};

}  // namespace trove::kube
