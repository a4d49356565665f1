// The resource types the fake serves: a table of built-in kinds (adding one is
// one line in kind_registry.cpp) plus the kinds CRDs register at runtime.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "json_util.hpp"

namespace trove::fakeapi {

struct PrinterColumn {
  std::string name;
  std::string type;  // string, integer, number, boolean, date
  std::string format;
  std::string description;
  std::string json_path;
  int priority = 0;
};

struct ResourceType {
  std::string group;  // "" for the core group
  std::string version;
  std::string plural;
  std::string singular;
  std::string kind;
  bool namespaced = true;
  bool has_status = false;  // a <plural>/status subresource
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  // Set for custom resources.
  bool custom = false;
  std::vector<PrinterColumn> columns;            // additionalPrinterColumns
  std::shared_ptr<const json::Document> schema;  // openAPIV3Schema, may be null

  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
  // Objects are stored per group and plural, whatever version wrote them.
  std::string storage_key() const { return group + "/" + plural; }
  std::string list_kind() const { return kind + "List"; }
};

class KindRegistry {
 public:
  // Starts with the built-in kinds.
  KindRegistry();

  // Adds or replaces (same group, version and plural).
  void add(ResourceType type);
  // Removes every version of a custom resource.
  void remove_custom(const std::string& group, const std::string& plural);

  // Shared so a watch keeps the type it started with after a CRD changes.
  std::shared_ptr<const ResourceType> find(const std::string& group, const std::string& version,
                                           const std::string& plural) const;
  std::vector<std::shared_ptr<const ResourceType>> in_group_version(
      const std::string& group, const std::string& version) const;
  // group -> versions, in registration order (the first is preferred).
  std::vector<std::pair<std::string, std::vector<std::string>>> groups() const;
  // Bumped by every add/remove; discovery and OpenAPI hashes follow it.
  std::uint64_t generation() const { return generation_; }

 private:
  std::vector<std::shared_ptr<const ResourceType>> types_;
  std::uint64_t generation_ = 1;
};

}  // namespace trove::fakeapi
