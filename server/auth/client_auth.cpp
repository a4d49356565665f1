#include "auth/client_auth.hpp"

#include <strings.h>

#include <chrono>

#include "auth/token_verifier.hpp"

namespace trove::auth {

ClientAuth::ClientAuth(ClientAuthOptions options)
    : options_(std::move(options)), keys_(options_.keys_file, options_.check_interval) {}

AuthOutcome ClientAuth::authenticate(std::string_view token, VerifiedTokenCache& cache,
                                     std::int64_t now) {
  if (token.empty()) {
    count(AuthError::kMissingToken);
    return {AuthError::kMissingToken, nullptr};
  }
  if (const auto* claims = cache.find(token, keys_.generation(), now)) {
    return {AuthError::kNone, claims};
  }
  const auto keys = keys_.current();
  auto result = verify_token(token, keys->set, options_.rules, now);
  count(result.error);
  if (result.error != AuthError::kNone) return {result.error, nullptr};
  return {AuthError::kNone, &cache.store(token, keys->generation, std::move(result.claims))};
}

std::int64_t unix_now() noexcept {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string_view bearer_token(std::string_view authorization) noexcept {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size() ||
      ::strncasecmp(authorization.data(), kScheme.data(), kScheme.size()) != 0) {
    return {};
  }
  authorization.remove_prefix(kScheme.size());
  while (!authorization.empty() && authorization.front() == ' ')
    authorization.remove_prefix(1);
  while (!authorization.empty() && (authorization.back() == ' ' || authorization.back() == '\t'))
    authorization.remove_suffix(1);
  return authorization;
}

}  // namespace trove::auth
