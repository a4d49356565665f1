// Which hunt tunes a pod when several hunts select it: the oldest hunt
// (creationTimestamp), ties broken by name, so every replica and every
// reconcile agree without coordination. The others report Degraded/Conflict.
#pragma once

#include <string>
#include <vector>

#include "controller/label_selector.hpp"

namespace trove::controller {

struct HuntClaim {
  std::string ns;
  std::string name;
  std::string creation_timestamp;  // RFC 3339; empty sorts last (not yet created)
  const LabelSelector* selector = nullptr;
};

// Name of the hunt in `ns` that owns a pod with `labels`, or "" if no hunt
// selects it. Claims with no selector (invalid spec) never own a pod.
std::string owning_hunt(const std::vector<HuntClaim>& claims, const std::string& ns,
                        const Labels& labels);

// True when hunt a is older than hunt b under the ownership order.
bool older_hunt(const HuntClaim& a, const HuntClaim& b);

}  // namespace trove::controller
