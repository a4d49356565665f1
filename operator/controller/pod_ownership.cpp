#include "controller/pod_ownership.hpp"

#include <tuple>

namespace trove::controller {

bool older_hunt(const HuntClaim& a, const HuntClaim& b) {
  // RFC 3339 timestamps in UTC ("Z") with the API server's fixed precision
  // order lexicographically; a missing one counts as newest.
  const bool a_missing = a.creation_timestamp.empty();
  const bool b_missing = b.creation_timestamp.empty();
  return std::tie(a_missing, a.creation_timestamp, a.name) <
         std::tie(b_missing, b.creation_timestamp, b.name);
}

std::string owning_hunt(const std::vector<HuntClaim>& claims, const std::string& ns,
                        const Labels& labels) {
  const HuntClaim* owner = nullptr;
  for (const auto& c : claims) {
    if (c.ns != ns || c.selector == nullptr || !c.selector->matches(labels)) continue;
    if (owner == nullptr || older_hunt(c, *owner)) owner = &c;
  }
  return owner == nullptr ? std::string() : owner->name;
}

}  // namespace trove::controller
