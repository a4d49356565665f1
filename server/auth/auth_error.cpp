#include "auth/auth_error.hpp"

#include <array>

namespace trove::auth {
namespace {

struct ErrorText {
  std::string_view code;
  std::string_view message;
};

constexpr std::array<ErrorText, kAuthErrorCount> kTexts{{
    {"ok", "token verified"},
    {"missing_token", "a bearer token is required"},
    {"token_too_large", "the token is larger than the server accepts"},
    {"malformed_token", "the token is not a JWS compact serialization of JSON header and claims"},
    {"alg_not_allowed", "the token's alg is not one of HS256, RS256, ES256"},
    {"unsupported_header", "the token's header has a crit member"},
    {"missing_kid", "the token has no kid and the key set holds more than one key"},
    {"unknown_kid", "the token's kid names no key in the key set"},
    {"alg_mismatch", "the token's alg differs from its key's alg"},
    {"bad_signature", "the token's signature does not verify"},
    {"missing_exp", "the token has no numeric exp claim"},
    {"expired", "the token has expired"},
    {"not_yet_valid", "the token is not valid yet (nbf)"},
    {"issued_in_future", "the token was issued in the future (iat)"},
    {"wrong_audience", "the token's aud does not name this server's audience"},
    {"wrong_issuer", "the token's iss is not the configured issuer"},
    {"missing_scope", "the token has no trove claim"},
    {"bad_scope", "the trove claim must be {\"hunts\":[names]} or {\"hunts\":[\"*\"]}"},
    {"no_keys", "the server has no usable client-auth keys"},
    {"hunt_not_in_scope", "the token does not grant this hunt"},
}};

}  // namespace

std::string_view to_code(AuthError error) noexcept {
  return kTexts[static_cast<std::size_t>(error)].code;
}

std::string_view to_message(AuthError error) noexcept {
  return kTexts[static_cast<std::size_t>(error)].message;
}

}  // namespace trove::auth
