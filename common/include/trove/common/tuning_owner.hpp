// The tuning owner's length bound (docs/contracts.md, PUT /admin/v1/tuning):
// trove-server refuses a longer owner, and trove-operator reads a longer one
// in a sidecar's answer as not a trove-server's. One constant, so the two
// binaries cannot drift apart.
#pragma once

#include <cstddef>

namespace trove::common {

// A Kubernetes uid is 36 bytes; room for other writers' names, small enough
// that the tuning stays a short JSON object.
inline constexpr std::size_t kMaxTuningOwnerBytes = 128;

}  // namespace trove::common
