#include "kube/store.hpp"

#include <mutex>

namespace trove::kube {

void Store::add_indexer(const std::string& name, IndexFunc func) {
  std::unique_lock lock(mutex_);
  indexers_[name] = std::move(func);
  for (const auto& [key, obj] : items_) {
    for (auto& v : indexers_[name](*obj))
      indexes_[name][v].insert(key);
  }
}

ObjectPtr Store::get(const std::string& key) const {
  std::shared_lock lock(mutex_);
  auto it = items_.find(key);
  return it == items_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> Store::list() const {
  std::shared_lock lock(mutex_);
  std::vector<ObjectPtr> out;
  out.reserve(items_.size());
  for (const auto& [key, obj] : items_)
    out.push_back(obj);
  return out;
}

std::vector<std::string> Store::keys() const {
  std::shared_lock lock(mutex_);
  std::vector<std::string> out;
  out.reserve(items_.size());
  for (const auto& [key, obj] : items_)
    out.push_back(key);
  return out;
}

std::vector<ObjectPtr> Store::by_index(const std::string& index, const std::string& value) const {
  std::shared_lock lock(mutex_);
  std::vector<ObjectPtr> out;
  auto idx = indexes_.find(index);
  if (idx == indexes_.end()) return out;
  auto keys = idx->second.find(value);
  if (keys == idx->second.end()) return out;
  for (const auto& key : keys->second) {
    auto it = items_.find(key);
    if (it != items_.end()) out.push_back(it->second);
  }
  return out;
}

std::size_t Store::size() const {
  std::shared_lock lock(mutex_);
  return items_.size();
}

std::size_t Store::object_bytes() const {
  std::shared_lock lock(mutex_);
  std::size_t total = 0;
  for (const auto& [key, obj] : items_)
    total += obj->pool_bytes();
  return total;
}

void Store::index_locked(const std::string& key, const KubeObject& object) {
  for (const auto& [name, func] : indexers_)
    for (auto& v : func(object))
      indexes_[name][v].insert(key);
}

void Store::unindex_locked(const std::string& key, const KubeObject& object) {
  for (const auto& [name, func] : indexers_) {
    auto& index = indexes_[name];
    for (auto& v : func(object)) {
      auto it = index.find(v);
      if (it == index.end()) continue;
      it->second.erase(key);
      if (it->second.empty()) index.erase(it);
    }
  }
}

std::vector<Delta> Store::upsert(ObjectPtr object) {
  std::unique_lock lock(mutex_);
  std::string key = object->key();
  auto it = items_.find(key);
  if (it == items_.end()) {
    index_locked(key, *object);
    items_.emplace(key, object);
    return {Delta{Delta::Kind::kAdded, nullptr, std::move(object)}};
  }
  if (it->second->resource_version() == object->resource_version() &&
      it->second->uid() == object->uid())
    return {};
  ObjectPtr old = it->second;
  unindex_locked(key, *old);
  index_locked(key, *object);
  it->second = object;
  return {Delta{Delta::Kind::kUpdated, std::move(old), std::move(object)}};
}

std::vector<Delta> Store::remove(const ObjectPtr& final_state) {
  std::unique_lock lock(mutex_);
  auto it = items_.find(final_state->key());
  if (it == items_.end()) return {};
  ObjectPtr old = it->second;
  unindex_locked(it->first, *old);
  items_.erase(it);
  return {Delta{Delta::Kind::kDeleted, std::move(old), final_state}};
}

std::vector<Delta> Store::replace(std::vector<ObjectPtr> objects) {
  std::unique_lock lock(mutex_);
  std::vector<Delta> deltas;
  std::unordered_map<std::string, ObjectPtr> next;
  next.reserve(objects.size());
  for (auto& obj : objects) {
    std::string key = obj->key();
    auto old = items_.find(key);
    if (old == items_.end()) {
      deltas.push_back({Delta::Kind::kAdded, nullptr, obj});
    } else if (old->second->resource_version() != obj->resource_version() ||
               old->second->uid() != obj->uid()) {
      deltas.push_back({Delta::Kind::kUpdated, old->second, obj});
    } else {
      obj = old->second;  // unchanged: keep the cached instance readers may hold
    }
    next[std::move(key)] = std::move(obj);
  }
  for (auto& [key, old] : items_) {
    if (!next.contains(key)) deltas.push_back({Delta::Kind::kDeleted, old, old});
  }
  items_.swap(next);
  indexes_.clear();
  for (const auto& [key, obj] : items_)
    index_locked(key, *obj);
  return deltas;
}

}  // namespace trove::kube
