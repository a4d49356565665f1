// Verifies a client token: a JWS compact serialization (RFC 7515) of JWT
// claims (RFC 7519), signed with a key of the server's JWKS. The key is
// chosen by kid and the token's alg must equal the key's pinned alg, so
// "none" and an HS256 token "signed" with an RSA public key both fail.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth/auth_error.hpp"
#include "auth/jwk_set.hpp"
#include "auth/token_claims.hpp"

namespace trove::auth {

// A token larger than this is refused before any decoding: a token of 256
// hunt names and an RS256 signature of 8192 bits stays under 8 KiB.
inline constexpr std::size_t kMaxTokenBytes = 8192;

struct VerifyResult {
  AuthError error = AuthError::kMissingToken;
  TokenClaims claims;  // when error == kNone
};

// Signature first, then claims, so no claim of an unsigned token is read.
VerifyResult verify_token(std::string_view token, const JwkSet& keys, const ClaimRules& rules,
                          std::int64_t now);

}  // namespace trove::auth
