// A small strategic merge patch for built-in kinds (kubectl's client-side
// apply and `kubectl patch` send it): a merge patch where lists of known
// keyed items (containers, env, volumes, ports, ...) merge by their key, and
// the directives `$patch: delete|replace` and `$deleteFromPrimitiveList/`
// are honoured. `$setElementOrder/` and `$retainKeys` are dropped (order of
// merged lists: existing items first, new ones appended).
#pragma once

#include "json_util.hpp"

namespace trove::fakeapi {

void strategic_merge(json::Value& target, const json::Value& patch, json::Allocator& a);

}  // namespace trove::fakeapi
