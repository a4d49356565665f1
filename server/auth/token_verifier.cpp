#include "auth/token_verifier.hpp"

#include <array>
#include <optional>

#include "auth/base64url.hpp"
#include "auth/jws_signature.hpp"
#include "trove/common/json.hpp"

namespace trove::auth {
namespace {

struct TokenParts {
  std::string_view header;
  std::string_view payload;
  std::string_view signature;
  std::string_view signing_input;  // header.payload, as sent
};

std::optional<TokenParts> split(std::string_view token) {
  const auto first = token.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  const auto second = token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  return TokenParts{token.substr(0, first), token.substr(first + 1, second - first - 1),
                    token.substr(second + 1), token.substr(0, second)};
}

bool decode_json(std::string_view part, rapidjson::Document& doc) {
  const auto text = base64url_decode(part);
  return text && !common::parse_json(*text, doc);
}

// Picks the key the header names and checks the header's alg against it.
AuthError select_key(const rapidjson::Document& header, const JwkSet& keys, const Jwk*& key) {
  const auto alg_name = common::string_member(header, "alg");
  if (!alg_name) return AuthError::kMalformedToken;
  const auto alg = parse_jws_alg(*alg_name);
  if (!alg) return AuthError::kAlgNotAllowed;
  // No extension is understood, so RFC 7515 section 4.1.11 requires a refusal.
  if (common::find_member(header, "crit") != nullptr) return AuthError::kUnsupportedHeader;
  const auto* kid = common::find_member(header, "kid");
  if (kid == nullptr) {
    if (keys.keys.size() != 1) return AuthError::kMissingKid;
    key = &keys.keys.front();
  } else {
    if (!kid->IsString()) return AuthError::kMalformedToken;
    key = keys.find({kid->GetString(), kid->GetStringLength()});
    if (key == nullptr) return AuthError::kUnknownKid;
  }
  return key->alg == *alg ? AuthError::kNone : AuthError::kAlgMismatch;
}

}  // namespace

VerifyResult verify_token(std::string_view token, const JwkSet& keys, const ClaimRules& rules,
                          std::int64_t now) {
  VerifyResult result;
  if (token.empty()) return result;
  if (token.size() > kMaxTokenBytes) {
    result.error = AuthError::kTokenTooLarge;
    return result;
  }
  result.error = AuthError::kMalformedToken;
  const auto parts = split(token);
  rapidjson::Document header;
  if (!parts || !decode_json(parts->header, header)) return result;
  const Jwk* key = nullptr;
  result.error = select_key(header, keys, key);
  if (result.error != AuthError::kNone) return result;
  const auto signature = base64url_decode(parts->signature);
  if (!signature) {
    result.error = AuthError::kMalformedToken;
    return result;
  }
  if (!verify_signature(*key, parts->signing_input, *signature)) {
    result.error = AuthError::kBadSignature;
    return result;
  }
  rapidjson::Document payload;
  if (!decode_json(parts->payload, payload)) {
    result.error = AuthError::kMalformedToken;
    return result;
  }
  result.error = check_claims(payload, rules, now, result.claims);
  return result;
}

}  // namespace trove::auth
