#include "auth/token_claims.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "trove/common/json.hpp"

namespace trove::auth {
namespace {

// NumericDates beyond this are treated as this (year ~292 billion): no
// overflow when the leeway is added.
constexpr std::int64_t kMaxDate = std::numeric_limits<std::int64_t>::max() / 2;

enum class DateStatus { kAbsent, kInvalid, kPresent };

// RFC 7519 section 2: a NumericDate is a JSON number of seconds, possibly
// with a fraction; the fraction is dropped.
DateStatus read_date(const rapidjson::Value& payload, std::string_view name, std::int64_t& out) {
  const auto* v = common::find_member(payload, name);
  if (v == nullptr) return DateStatus::kAbsent;
  if (!v->IsNumber()) return DateStatus::kInvalid;
  const double d = v->GetDouble();
  if (!std::isfinite(d)) return DateStatus::kInvalid;
  out = static_cast<std::int64_t>(
      std::clamp(std::floor(d), -static_cast<double>(kMaxDate), static_cast<double>(kMaxDate)));
  return DateStatus::kPresent;
}

AuthError check_times(const rapidjson::Value& payload, std::int64_t leeway, std::int64_t now,
                      TokenClaims& out) {
  std::int64_t exp = 0;
  if (read_date(payload, "exp", exp) != DateStatus::kPresent) return AuthError::kMissingExp;
  if (now >= exp + leeway) return AuthError::kExpired;
  std::int64_t nbf = 0;
  const DateStatus nbf_status = read_date(payload, "nbf", nbf);
  if (nbf_status == DateStatus::kInvalid) return AuthError::kMalformedToken;
  if (nbf_status == DateStatus::kPresent && now + leeway < nbf) return AuthError::kNotYetValid;
  std::int64_t iat = 0;
  const DateStatus iat_status = read_date(payload, "iat", iat);
  if (iat_status == DateStatus::kInvalid) return AuthError::kMalformedToken;
  if (iat_status == DateStatus::kPresent && now + leeway < iat) return AuthError::kIssuedInFuture;
  out.accept_until = exp + leeway - 1;
  return AuthError::kNone;
}

// aud is one string or an array of strings (RFC 7519 section 4.1.3).
bool audience_matches(const rapidjson::Value& payload, std::string_view audience) {
  const auto* aud = common::find_member(payload, "aud");
  if (aud == nullptr) return false;
  auto equals = [&](const rapidjson::Value& v) {
    return v.IsString() && std::string_view(v.GetString(), v.GetStringLength()) == audience;
  };
  if (!aud->IsArray()) return equals(*aud);
  return std::any_of(aud->Begin(), aud->End(), equals);
}

AuthError read_scope(const rapidjson::Value& payload, TokenScope& out) {
  const auto* trove = common::find_member(payload, "trove");
  if (trove == nullptr) return AuthError::kMissingScope;
  const auto* hunts = common::find_member(trove, "hunts");
  if (hunts == nullptr || !hunts->IsArray() || hunts->Empty() || hunts->Size() > kMaxScopeHunts) {
    return AuthError::kBadScope;
  }
  for (const auto& hunt : hunts->GetArray()) {
    if (!hunt.IsString() || hunt.GetStringLength() == 0 ||
        hunt.GetStringLength() > kMaxHuntNameBytes) {
      return AuthError::kBadScope;
    }
    std::string_view name(hunt.GetString(), hunt.GetStringLength());
    if (name == "*") {
      out.all_hunts = true;
    } else {
      out.hunts.emplace_back(name);
    }
  }
  return AuthError::kNone;
}

}  // namespace

bool TokenScope::allows(std::string_view hunt) const noexcept {
  if (all_hunts) return true;
  return std::find(hunts.begin(), hunts.end(), hunt) != hunts.end();
}

AuthError check_claims(const rapidjson::Value& payload, const ClaimRules& rules, std::int64_t now,
                       TokenClaims& out) {
  if (!payload.IsObject()) return AuthError::kMalformedToken;
  if (auto e = check_times(payload, rules.leeway_seconds, now, out); e != AuthError::kNone) {
    return e;
  }
  if (!rules.audience.empty() && !audience_matches(payload, rules.audience)) {
    return AuthError::kWrongAudience;
  }
  if (!rules.issuer.empty() &&
      common::string_member(payload, "iss") != std::optional<std::string_view>(rules.issuer)) {
    return AuthError::kWrongIssuer;
  }
  return read_scope(payload, out.scope);
}

}  // namespace trove::auth
