// The claims a client token carries (RFC 7519) and the checks trove makes
// on them: exp required, nbf and iat within a leeway, aud and iss when the
// server is configured with them, and the scope claim
// "trove": {"hunts": ["spring", …]} or {"hunts": ["*"]}.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "auth/auth_error.hpp"

namespace trove::auth {

// Hunts one token may name: a scope check compares a box's hunt with each.
inline constexpr std::size_t kMaxScopeHunts = 256;
// A hunt name's bound, the box store's (store::kMaxHuntBytes).
inline constexpr std::size_t kMaxHuntNameBytes = 64;
// Clock skew tolerated between the token's issuer and this server.
inline constexpr std::int64_t kDefaultLeewaySeconds = 5;

struct TokenScope {
  bool all_hunts = false;          // {"hunts":["*"]}
  std::vector<std::string> hunts;  // otherwise, the hunts granted
  [[nodiscard]] bool allows(std::string_view hunt) const noexcept;
};

struct TokenClaims {
  // The last second (Unix time) the server accepts the token: exp + leeway.
  std::int64_t accept_until = 0;
  TokenScope scope;
};

struct ClaimRules {
  std::int64_t leeway_seconds = kDefaultLeewaySeconds;
  std::string audience;  // empty: aud not checked
  std::string issuer;    // empty: iss not checked
};

// Checks the decoded payload at `now` (Unix seconds); fills `out` when the
// answer is AuthError::kNone.
AuthError check_claims(const rapidjson::Value& payload, const ClaimRules& rules, std::int64_t now,
                       TokenClaims& out);

}  // namespace trove::auth
