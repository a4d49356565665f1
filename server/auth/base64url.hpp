// base64url without padding (RFC 4648 section 5), as JWS (RFC 7515) and JWK
// (RFC 7517) use it for every binary value.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace trove::auth {

// The decoded bytes, or nullopt for a character outside the URL-safe
// alphabet, padding, a length of 1 mod 4, or non-zero trailing bits (so each
// value has exactly one encoding and a tampered last character is noticed).
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace trove::auth
