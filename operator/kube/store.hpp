// The informer's cache: objects by key ("ns/name"), with custom indexes.
// Readers (the operator's workers) and the single writer (the reflector
// thread) may run concurrently: reads take a shared lock and hand out
// shared_ptr<const KubeObject>, so an object a reader holds never changes
// and stays valid after the cache moves on.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "kube/object.hpp"

namespace trove::kube {

using ObjectPtr = std::shared_ptr<const KubeObject>;

// One change the cache went through, for the add/update/delete callbacks.
struct Delta {
  enum class Kind { kAdded, kUpdated, kDeleted };
  Kind kind;
  ObjectPtr old_object;  // kUpdated, kDeleted
  ObjectPtr object;      // kAdded, kUpdated: the new state; kDeleted: the final state
};

class Store {
 public:
  // Returns the index values of an object (e.g. its node name).
  using IndexFunc = std::function<std::vector<std::string>(const KubeObject&)>;

  // Indexers must be added before the first write.
  void add_indexer(const std::string& name, IndexFunc func);

  ObjectPtr get(const std::string& key) const;
  std::vector<ObjectPtr> list() const;
  std::vector<std::string> keys() const;
  std::vector<ObjectPtr> by_index(const std::string& index, const std::string& value) const;
  std::size_t size() const;

  // Writer side (the reflector). Each returns the deltas it caused, so the
  // caller can run callbacks after the lock is released.
  // An add/modify of an object whose resourceVersion equals the cached one
  // is no change (a watch replaying what the list already gave).
  std::vector<Delta> upsert(ObjectPtr object);
  std::vector<Delta> remove(const ObjectPtr& final_state);
  // Replaces everything with a fresh list: added for new keys, updated for
  // keys whose resourceVersion changed, deleted for keys that vanished.
  std::vector<Delta> replace(std::vector<ObjectPtr> objects);

  // Sum of the cached objects' pool bytes (the memory figure of the tests).
  std::size_t object_bytes() const;

 private:
  void index_locked(const std::string& key, const KubeObject& object);
  void unindex_locked(const std::string& key, const KubeObject& object);

  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, ObjectPtr> items_;
  std::map<std::string, IndexFunc> indexers_;
  // index name -> index value -> keys
  std::unordered_map<std::string, std::unordered_map<std::string, std::unordered_set<std::string>>>
      indexes_;
};

}  // namespace trove::kube
