// Kubernetes resource quantities ("250m", "1Gi", "1.5", "2e3"), checked
// before they reach a pod spec, so a bad annotation is refused with the
// annotation's name instead of a pod validation error that names a field
// the user never wrote.
#pragma once

#include <string_view>

namespace trove::webhook {

// A quantity's serialized form fits in this; anything longer is a mistake.
inline constexpr std::size_t kMaxQuantityBytes = 32;

// True for a non-negative quantity in the API server's grammar: a decimal
// number, then nothing, a binary suffix (Ki..Ei), a decimal suffix
// (n u m k M G T P E) or an exponent (e/E, optional sign, digits).
bool is_valid_quantity(std::string_view text);

}  // namespace trove::webhook
