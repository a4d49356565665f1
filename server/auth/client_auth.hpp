// Client tokens on the public listener (docs/client-auth.md): the watched
// key set, the claim rules and the outcome counters, shared by all workers.
// Each connection brings its own VerifiedTokenCache.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/auth_error.hpp"
#include "auth/token_claims.hpp"
#include "auth/verified_token_cache.hpp"
#include "auth/watched_key_set.hpp"

namespace trove::auth {

struct ClientAuthOptions {
  std::string keys_file;
  ClaimRules rules;
  WatchedKeySet::Clock::duration check_interval = WatchedKeySet::kDefaultCheckInterval;
};

struct AuthOutcome {
  AuthError error = AuthError::kMissingToken;
  const TokenClaims* claims = nullptr;  // in the caller's cache, when error == kNone
};

class ClientAuth {
 public:
  // Throws KeyFileError when the key file is not usable.
  explicit ClientAuth(ClientAuthOptions options);

  // The claims of `token` at `now` (Unix seconds): from `cache` when it holds
  // this token verified under the current keys, else verified and cached.
  // Every verification is counted by its outcome.
  AuthOutcome authenticate(std::string_view token, VerifiedTokenCache& cache, std::int64_t now);
  // Counts a refusal decided outside verification (no token, hunt not in scope).
  void count(AuthError error) noexcept {
    results_[static_cast<std::size_t>(error)].fetch_add(1, std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t results(AuthError error) const noexcept {
    return results_[static_cast<std::size_t>(error)].load(std::memory_order_relaxed);
  }
  [[nodiscard]] const WatchedKeySet& keys() const noexcept { return keys_; }
  [[nodiscard]] const ClaimRules& rules() const noexcept { return options_.rules; }

 private:
  const ClientAuthOptions options_;
  WatchedKeySet keys_;
  std::array<std::atomic<std::uint64_t>, kAuthErrorCount> results_{};
};

// Unix time in seconds, the clock of exp/nbf/iat.
std::int64_t unix_now() noexcept;

// The token of an "Authorization: Bearer <token>" value (scheme
// case-insensitive, RFC 6750 section 2.1), or empty.
std::string_view bearer_token(std::string_view authorization) noexcept;

}  // namespace trove::auth
