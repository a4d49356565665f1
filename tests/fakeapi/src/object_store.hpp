// Objects by resource, namespace and name, one global resourceVersion counter
// (like etcd's revision) and a bounded history of changes that watches replay.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "json_util.hpp"

namespace trove::fakeapi {

// An immutable snapshot of one object as stored, with its JSON text cached
// so LISTs and watches do not re-serialize it.
struct StoredObject {
  json::Document doc;
  std::string text;
  std::uint64_t resource_version = 0;
};
using ObjectPtr = std::shared_ptr<const StoredObject>;

// Freezes doc (which must carry metadata.resourceVersion already).
ObjectPtr freeze(json::Document&& doc, std::uint64_t resource_version);

enum class EventType { kAdded, kModified, kDeleted };
const char* event_type_name(EventType type);

struct ChangeEvent {
  std::uint64_t resource_version = 0;
  EventType type = EventType::kAdded;
  std::string storage_key;
  std::string ns;
  ObjectPtr object;    // new state, or the object as deleted
  ObjectPtr previous;  // state before (null for ADDED)
};

class ObjectStore {
 public:
  explicit ObjectStore(std::size_t history_capacity);

  std::uint64_t current_rv() const { return rv_; }
  // The revision a write is about to get.
  std::uint64_t next_rv() const { return rv_ + 1; }
  // Versions up to and including this one are no longer in the history.
  std::uint64_t compacted_rv() const { return compacted_rv_; }

  ObjectPtr get(const std::string& storage_key, const std::string& ns,
                const std::string& name) const;
  // Sorted by (namespace, name); ns empty lists every namespace. Starts after
  // the (ns, name) key `after` when given (continue tokens).
  std::vector<ObjectPtr> list(const std::string& storage_key, const std::string& ns,
                              const std::pair<std::string, std::string>* after = nullptr) const;
  // Every namespace that holds at least one object of any kind.
  std::vector<std::string> storage_keys() const;

  // Records a write at next_rv(): the object must carry that version.
  void put(const std::string& storage_key, const std::string& ns, const std::string& name,
           ObjectPtr object);
  // Removes; `as_deleted` is the object stamped with next_rv().
  void erase(const std::string& storage_key, const std::string& ns, const std::string& name,
             ObjectPtr as_deleted);

  // History after `rv`, oldest first; false when rv is older than the kept
  // history (410 Expired).
  bool events_after(std::uint64_t rv, std::vector<const ChangeEvent*>& out) const;
  // Drops the whole history: every version before now becomes too old.
  void compact();

 private:
  void record(ChangeEvent event);

  using Key = std::pair<std::string, std::string>;  // (namespace, name)
  std::map<std::string, std::map<Key, ObjectPtr>> objects_;
  std::deque<ChangeEvent> history_;
  std::size_t history_capacity_;
  std::uint64_t rv_ = 1;
  std::uint64_t compacted_rv_ = 0;
};

}  // namespace trove::fakeapi
