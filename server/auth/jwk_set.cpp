#include "auth/jwk_set.hpp"

#include <algorithm>

#include "auth/base64url.hpp"
#include "auth/jws_signature.hpp"
#include "trove/common/json.hpp"

namespace trove::auth {
namespace {

using common::string_member;

// The member's base64url-decoded bytes; empty with `error` set when missing
// or not base64url.
std::optional<std::string> decoded_member(const rapidjson::Value& key, std::string_view name,
                                          std::string& error) {
  const auto text = string_member(key, name);
  std::optional<std::string> out = text ? base64url_decode(*text) : std::nullopt;
  if (!out || out->empty()) error = "\"" + std::string(name) + "\" must be non-empty base64url";
  return out && !out->empty() ? out : std::nullopt;
}

bool read_material(const rapidjson::Value& key, std::string_view kty, Jwk& out,
                   std::string& error) {
  if (kty == "oct") {
    auto k = decoded_member(key, "k", error);
    if (!k) return false;
    if (k->size() < kMinHmacKeyBytes) {
      error = "HS256 key shorter than " + std::to_string(kMinHmacKeyBytes) + " bytes";
      return false;
    }
    out.secret = std::move(*k);
    return true;
  }
  if (kty == "RSA") {
    auto n = decoded_member(key, "n", error);
    auto e = n ? decoded_member(key, "e", error) : std::nullopt;
    if (!e) return false;
    out.public_key = make_rsa_public_key(*n, *e, error);
    return out.public_key != nullptr;
  }
  if (string_member(key, "crv") != std::optional<std::string_view>("P-256")) {
    error = "EC key: \"crv\" must be \"P-256\"";
    return false;
  }
  auto x = decoded_member(key, "x", error);
  auto y = x ? decoded_member(key, "y", error) : std::nullopt;
  if (!y) return false;
  out.public_key = make_p256_public_key(*x, *y, error);
  return out.public_key != nullptr;
}

// The kty each alg needs: the pin that stops a public key serving as an
// HMAC secret.
std::string_view kty_for(JwsAlg alg) noexcept {
  switch (alg) {
    case JwsAlg::kHs256:
      return "oct";
    case JwsAlg::kRs256:
      return "RSA";
    case JwsAlg::kEs256:
      return "EC";
  }
  return {};
}

bool read_key(const rapidjson::Value& key, Jwk& out, std::string& error) {
  if (!key.IsObject()) {
    error = "must be an object";
    return false;
  }
  const auto kty = string_member(key, "kty");
  const auto alg_name = string_member(key, "alg");
  const auto alg = alg_name ? parse_jws_alg(*alg_name) : std::nullopt;
  if (!alg) {
    error = "\"alg\" must be one of HS256, RS256, ES256";
    return false;
  }
  if (kty != kty_for(*alg)) {
    error = "\"kty\" must be \"" + std::string(kty_for(*alg)) + "\" for " + std::string(*alg_name);
    return false;
  }
  out.alg = *alg;
  if (const auto* kid = common::find_member(key, "kid")) {
    if (!kid->IsString()) {
      error = "\"kid\" must be a string";
      return false;
    }
    out.kid.assign(kid->GetString(), kid->GetStringLength());
  }
  return read_material(key, *kty, out, error);
}

std::optional<std::string> check_kids(const std::vector<Jwk>& keys) {
  if (keys.size() < 2) return std::nullopt;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (keys[i].kid.empty()) {
      return "key " + std::to_string(i) + ": \"kid\" is required when the set has several keys";
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (keys[j].kid == keys[i].kid) return "key " + std::to_string(i) + ": duplicate kid";
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<JwsAlg> parse_jws_alg(std::string_view name) noexcept {
  if (name == "HS256") return JwsAlg::kHs256;
  if (name == "RS256") return JwsAlg::kRs256;
  if (name == "ES256") return JwsAlg::kEs256;
  return std::nullopt;
}

std::string_view to_string(JwsAlg alg) noexcept {
  switch (alg) {
    case JwsAlg::kHs256:
      return "HS256";
    case JwsAlg::kRs256:
      return "RS256";
    case JwsAlg::kEs256:
      return "ES256";
  }
  return "?";
}

const Jwk* JwkSet::find(std::string_view kid) const noexcept {
  auto it = std::find_if(keys.begin(), keys.end(), [&](const Jwk& k) { return k.kid == kid; });
  return it == keys.end() ? nullptr : &*it;
}

JwksParseResult parse_jwks(std::string_view json) {
  JwksParseResult result;
  if (json.size() > kMaxJwksBytes) {
    result.error = "larger than " + std::to_string(kMaxJwksBytes) + " bytes";
    return result;
  }
  rapidjson::Document doc;
  if (auto error = common::parse_json(json, doc)) {
    result.error = "not JSON: " + *error;
    return result;
  }
  const auto* keys = common::find_member(doc, "keys");
  if (keys == nullptr || !keys->IsArray() || keys->Empty() || keys->Size() > kMaxKeys) {
    result.error = "\"keys\" must be an array of 1 .. " + std::to_string(kMaxKeys) + " keys";
    return result;
  }
  JwkSet set;
  for (rapidjson::SizeType i = 0; i < keys->Size(); ++i) {
    const auto& key = (*keys)[i];
    if (key.IsObject() && string_member(key, "use") == std::optional<std::string_view>("enc")) {
      continue;
    }
    Jwk jwk;
    if (!read_key(key, jwk, result.error)) {
      result.error = "key " + std::to_string(i) + ": " + result.error;
      return result;
    }
    set.keys.push_back(std::move(jwk));
  }
  if (set.keys.empty()) {
    result.error = "no signing keys (every key has \"use\":\"enc\")";
    return result;
  }
  if (auto error = check_kids(set.keys)) {
    result.error = *error;
    return result;
  }
  result.keys = std::move(set);
  return result;
}

}  // namespace trove::auth
