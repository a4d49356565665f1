// Why a client token, or a read under it, is refused. Each refusal has its
// own code (a stable snake_case word in responses, logs and the
// trove_client_auth_total{result=…} metric) and a message for people
// (docs/client-auth.md lists them).
#pragma once

#include <cstddef>
#include <string_view>

namespace trove::auth {

enum class AuthError {
  kNone,               // verified
  kMissingToken,       // no Authorization: Bearer header and no auth op
  kTokenTooLarge,      // over kMaxTokenBytes
  kMalformedToken,     // not three base64url parts, or a part is not the JSON it must be
  kAlgNotAllowed,      // header alg is none or not one of HS256, RS256, ES256
  kUnsupportedHeader,  // a crit header (no extension is understood)
  kMissingKid,         // no kid while the key set holds more than one key
  kUnknownKid,         // kid names no key in the set
  kAlgMismatch,        // header alg differs from the key's pinned alg
  kBadSignature,       // the signature does not verify
  kMissingExp,         // no numeric exp claim
  kExpired,            // now >= exp + leeway
  kNotYetValid,        // now + leeway < nbf
  kIssuedInFuture,     // now + leeway < iat
  kWrongAudience,      // aud configured and not in the token
  kWrongIssuer,        // iss configured and different
  kMissingScope,       // no trove claim
  kBadScope,           // trove claim not {"hunts":[…]} of 1 .. kMaxScopeHunts names
  kNoKeys,             // the key set could not be loaded
  kHuntNotInScope,     // verified, but the box or hunt is not among the token's hunts
};

inline constexpr std::size_t kAuthErrorCount =
    static_cast<std::size_t>(AuthError::kHuntNotInScope) + 1;

// "expired", "unknown_kid", … ; "ok" for kNone.
std::string_view to_code(AuthError error) noexcept;
std::string_view to_message(AuthError error) noexcept;

}  // namespace trove::auth
