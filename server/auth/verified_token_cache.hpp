// The last token a connection presented and verified, keyed by its bytes:
// keep-alive polls with the same token skip the signature check. An entry
// counts only under the key-set generation it was verified with and until
// the token's accept_until.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "auth/token_claims.hpp"

namespace trove::auth {

class VerifiedTokenCache {
 public:
  // The claims of `token` when it is the one held, verified under
  // `generation`, and still valid at `now` (Unix seconds); else nullptr.
  [[nodiscard]] const TokenClaims* find(std::string_view token, std::uint64_t generation,
                                        std::int64_t now) const noexcept {
    if (!held_ || generation != generation_ || now > claims_.accept_until || token != token_) {
      return nullptr;
    }
    return &claims_;
  }
  const TokenClaims& store(std::string_view token, std::uint64_t generation, TokenClaims claims) {
    token_.assign(token);
    generation_ = generation;
    claims_ = std::move(claims);
    held_ = true;
    return claims_;
  }
  void clear() noexcept { held_ = false; }

 private:
  std::string token_;
  std::uint64_t generation_ = 0;
  TokenClaims claims_;
  bool held_ = false;
};

}  // namespace trove::auth
