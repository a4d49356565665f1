// Names a kind of resource and builds its REST paths and query strings.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace trove::kube {

struct ResourceType {
  std::string group;  // "" for the core group
  std::string version;
  std::string plural;
  bool namespaced = true;

  // "/api/v1" or "/apis/<group>/<version>"
  std::string group_version_path() const;
  // Collection path; ns "" means across all namespaces.
  std::string collection_path(std::string_view ns) const;
  std::string item_path(std::string_view ns, std::string_view name,
                        std::string_view subresource = {}) const;
  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
};

// Types the operator uses.
ResourceType pods_type();
ResourceType leases_type();
ResourceType events_type();
ResourceType treasure_hunts_type();

// Percent-encodes a query value (RFC 3986 unreserved set kept).
std::string url_encode(std::string_view value);

// Appends key=value pairs as a query string ("?a=b&c=d"), skipping empty values.
class Query {
 public:
  Query& add(std::string_view key, std::string_view value);
  Query& add_always(std::string_view key, std::string_view value);
  std::string str() const;

 private:
  std::vector<std::pair<std::string, std::string>> params_;
};

}  // namespace trove::kube
