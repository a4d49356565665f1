#include "object_store.hpp"

#include <algorithm>

namespace trove::fakeapi {

ObjectPtr freeze(json::Document&& doc, std::uint64_t resource_version) {
  auto stored = std::make_shared<StoredObject>();
  stored->doc.Swap(doc);
  stored->text = json::to_string(stored->doc);
  stored->resource_version = resource_version;
  return stored;
}

const char* event_type_name(EventType type) {
  switch (type) {
    case EventType::kAdded:
      return "ADDED";
    case EventType::kModified:
      return "MODIFIED";
    case EventType::kDeleted:
      return "DELETED";
  }
  return "ERROR";
}

ObjectStore::ObjectStore(std::size_t history_capacity)
    : history_capacity_(std::max<std::size_t>(history_capacity, 1)) {}

ObjectPtr ObjectStore::get(const std::string& storage_key, const std::string& ns,
                           const std::string& name) const {
  auto kind = objects_.find(storage_key);
  if (kind == objects_.end()) return nullptr;
  auto it = kind->second.find({ns, name});
  return it == kind->second.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> ObjectStore::list(const std::string& storage_key, const std::string& ns,
                                         const std::pair<std::string, std::string>* after) const {
  std::vector<ObjectPtr> out;
  auto kind = objects_.find(storage_key);
  if (kind == objects_.end()) return out;
  auto it = after != nullptr ? kind->second.upper_bound(*after)
                             : (ns.empty() ? kind->second.begin()
                                           : kind->second.lower_bound({ns, std::string()}));
  for (; it != kind->second.end(); ++it) {
    if (!ns.empty() && it->first.first != ns) {
      if (it->first.first > ns) break;
      continue;
    }
    out.push_back(it->second);
  }
  return out;
}

std::vector<std::string> ObjectStore::storage_keys() const {
  std::vector<std::string> out;
  for (const auto& [key, objects] : objects_) {
    if (!objects.empty()) out.push_back(key);
  }
  return out;
}

void ObjectStore::put(const std::string& storage_key, const std::string& ns,
                      const std::string& name, ObjectPtr object) {
  auto& slot = objects_[storage_key][{ns, name}];
  ChangeEvent event;
  event.type = slot ? EventType::kModified : EventType::kAdded;
  event.previous = slot;
  slot = object;
  event.resource_version = ++rv_;
  event.storage_key = storage_key;
  event.ns = ns;
  event.object = std::move(object);
  record(std::move(event));
}

void ObjectStore::erase(const std::string& storage_key, const std::string& ns,
                        const std::string& name, ObjectPtr as_deleted) {
  auto kind = objects_.find(storage_key);
  if (kind == objects_.end()) return;
  auto it = kind->second.find({ns, name});
  if (it == kind->second.end()) return;
  ChangeEvent event;
  event.type = EventType::kDeleted;
  event.previous = it->second;
  kind->second.erase(it);
  event.resource_version = ++rv_;
  event.storage_key = storage_key;
  event.ns = ns;
  event.object = std::move(as_deleted);
  record(std::move(event));
}

void ObjectStore::record(ChangeEvent event) {
  history_.push_back(std::move(event));
  while (history_.size() > history_capacity_) {
    compacted_rv_ = history_.front().resource_version;
    history_.pop_front();
  }
}

bool ObjectStore::events_after(std::uint64_t rv, std::vector<const ChangeEvent*>& out) const {
  if (rv < compacted_rv_) return false;
  auto it = std::upper_bound(
      history_.begin(), history_.end(), rv,
      [](std::uint64_t v, const ChangeEvent& e) { return v < e.resource_version; });
  for (; it != history_.end(); ++it)
    out.push_back(&*it);
  return true;
}

void ObjectStore::compact() {
  history_.clear();
  compacted_rv_ = rv_;
}

}  // namespace trove::fakeapi
