// Several informer caches read as one: the operator runs one informer per
// watched namespace (or one for all), and the reconciler should not care.
#pragma once

#include <string>
#include <vector>

#include "kube/store.hpp"

namespace trove::controller {

class StoreSet {
 public:
  StoreSet() = default;
  explicit StoreSet(std::vector<const kube::Store*> stores) : stores_(std::move(stores)) {}
  void add(const kube::Store* store) { stores_.push_back(store); }

  kube::ObjectPtr get(const std::string& key) const {
    for (const auto* s : stores_) {
      if (auto o = s->get(key)) return o;
    }
    return nullptr;
  }
  std::vector<kube::ObjectPtr> list() const {
    std::vector<kube::ObjectPtr> all;
    for (const auto* s : stores_) {
      auto part = s->list();
      all.insert(all.end(), part.begin(), part.end());
    }
    return all;
  }

 private:
  std::vector<const kube::Store*> stores_;
};

}  // namespace trove::controller
