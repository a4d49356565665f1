#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "auth/client_auth.hpp"
#include "auth/token_verifier.hpp"
#include "token_helpers.hpp"

namespace trove::auth {
namespace {

using testing::b64url;
using testing::hs_token;

constexpr std::int64_t kNow = 1'800'000'000;
const std::string kHeader = R"({"alg":"HS256","kid":"hs1"})";

JwkSet keys() {
  return *parse_jwks(testing::hs_jwks()).keys;
}

std::string claims(std::string_view extra = "", std::int64_t exp = kNow + 60) {
  return R"({"exp":)" + std::to_string(exp) + R"(,"trove":{"hunts":["spring"]})" +
         std::string(extra) + "}";
}

AuthError verify(const std::string& token, const ClaimRules& rules = {}) {
  return verify_token(token, keys(), rules, kNow).error;
}

TEST(Token, AcceptsAValidHs256TokenAndReadsItsScope) {
  auto r = verify_token(hs_token(kHeader, claims()), keys(), {}, kNow);
  ASSERT_EQ(r.error, AuthError::kNone) << to_code(r.error);
  EXPECT_FALSE(r.claims.scope.all_hunts);
  EXPECT_TRUE(r.claims.scope.allows("spring"));
  EXPECT_FALSE(r.claims.scope.allows("autumn"));
  EXPECT_EQ(r.claims.accept_until, kNow + 60 + kDefaultLeewaySeconds - 1);
}

TEST(Token, StarGrantsEveryHunt) {
  auto r = verify_token(hs_token(kHeader, R"({"exp":1800000060,"trove":{"hunts":["*"]}})"), keys(),
                        {}, kNow);
  ASSERT_EQ(r.error, AuthError::kNone);
  EXPECT_TRUE(r.claims.scope.allows("anything"));
}

TEST(Token, TimesHonourTheLeeway) {
  EXPECT_EQ(verify(hs_token(kHeader, claims("", kNow - 4))), AuthError::kNone);
  EXPECT_EQ(verify(hs_token(kHeader, claims("", kNow - 5))), AuthError::kExpired);
  EXPECT_EQ(verify(hs_token(kHeader, claims("", kNow - 1)), ClaimRules{0, "", ""}),
            AuthError::kExpired);
  EXPECT_EQ(verify(hs_token(kHeader, claims(",\"nbf\":1800000005"))), AuthError::kNone);
  EXPECT_EQ(verify(hs_token(kHeader, claims(",\"nbf\":1800000006"))), AuthError::kNotYetValid);
  EXPECT_EQ(verify(hs_token(kHeader, claims(",\"iat\":1800000006"))), AuthError::kIssuedInFuture);
  EXPECT_EQ(verify(hs_token(kHeader, claims(",\"iat\":\"soon\""))), AuthError::kMalformedToken);
  EXPECT_EQ(verify(hs_token(kHeader, R"({"trove":{"hunts":["a"]}})")), AuthError::kMissingExp);
  EXPECT_EQ(verify(hs_token(kHeader, R"({"exp":"later","trove":{"hunts":["a"]}})")),
            AuthError::kMissingExp);
}

TEST(Token, AudienceAndIssuerWhenConfigured) {
  const ClaimRules rules{kDefaultLeewaySeconds, "trove", "https://id"};
  EXPECT_EQ(verify(hs_token(kHeader, claims(R"(,"aud":"trove","iss":"https://id")")), rules),
            AuthError::kNone);
  EXPECT_EQ(verify(hs_token(kHeader, claims(R"(,"aud":["x","trove"],"iss":"https://id")")), rules),
            AuthError::kNone);
  EXPECT_EQ(verify(hs_token(kHeader, claims(R"(,"aud":["x"],"iss":"https://id")")), rules),
            AuthError::kWrongAudience);
  EXPECT_EQ(verify(hs_token(kHeader, claims(R"(,"aud":"trove","iss":"https://other")")), rules),
            AuthError::kWrongIssuer);
  EXPECT_EQ(verify(hs_token(kHeader, claims(R"(,"aud":"trove")")), rules), AuthError::kWrongIssuer);
  // Not configured: not checked.
  EXPECT_EQ(verify(hs_token(kHeader, claims(R"(,"aud":"x","iss":"y")"))), AuthError::kNone);
}

TEST(Token, ScopeMustBeAListOfHuntNames) {
  EXPECT_EQ(verify(hs_token(kHeader, R"({"exp":1800000060})")), AuthError::kMissingScope);
  for (const char* bad : {R"("trove":1)", R"("trove":{"hunts":[]})", R"("trove":{"hunts":[""]})",
                          R"("trove":{"hunts":[7]})", R"("trove":{"hunts":"spring"})"}) {
    EXPECT_EQ(verify(hs_token(kHeader, std::string(R"({"exp":1800000060,)") + bad + "}")),
              AuthError::kBadScope)
        << bad;
  }
  std::string many = R"({"exp":1800000060,"trove":{"hunts":[)";
  for (std::size_t i = 0; i <= kMaxScopeHunts; ++i)
    many += (i ? ",\"h" : "\"h") + std::to_string(i) + "\"";
  EXPECT_EQ(verify(hs_token(kHeader, many + "]}}")), AuthError::kBadScope);
  const std::string long_name(kMaxHuntNameBytes + 1, 'x');
  EXPECT_EQ(
      verify(hs_token(kHeader, R"({"exp":1800000060,"trove":{"hunts":[")" + long_name + "\"]}}")),
      AuthError::kBadScope);
}

TEST(Token, HeaderChecksComeBeforeTheSignature) {
  EXPECT_EQ(verify(hs_token(R"({"alg":"none"})", claims())), AuthError::kAlgNotAllowed);
  EXPECT_EQ(verify(hs_token(R"({"alg":"HS512","kid":"hs1"})", claims())),
            AuthError::kAlgNotAllowed);
  EXPECT_EQ(verify(hs_token(R"({"alg":"RS256","kid":"hs1"})", claims())), AuthError::kAlgMismatch);
  EXPECT_EQ(verify(hs_token(R"({"alg":"HS256","kid":"x"})", claims())), AuthError::kUnknownKid);
  EXPECT_EQ(verify(hs_token(R"({"alg":"HS256","kid":"hs1","crit":["b64"]})", claims())),
            AuthError::kUnsupportedHeader);
  // One key in the set: kid may be left out.
  EXPECT_EQ(verify(hs_token(R"({"alg":"HS256"})", claims())), AuthError::kNone);
  auto two =
      *parse_jwks(R"({"keys":[{"kty":"oct","alg":"HS256","kid":"a","k":")" +
                  b64url(testing::kSecret) + R"("},{"kty":"oct","alg":"HS256","kid":"b","k":")" +
                  b64url(testing::kSecret) + "\"}]}")
           .keys;
  EXPECT_EQ(verify_token(hs_token(R"({"alg":"HS256"})", claims()), two, {}, kNow).error,
            AuthError::kMissingKid);
}

TEST(Token, RefusesBadSignaturesAndMalformedTokens) {
  EXPECT_EQ(verify(hs_token(kHeader, claims(), "another secret of thirty-two byte")),
            AuthError::kBadSignature);
  std::string token = hs_token(kHeader, claims());
  token.back() = token.back() == 'A' ? 'Q' : 'A';
  EXPECT_EQ(verify(token), AuthError::kBadSignature);
  EXPECT_EQ(verify(""), AuthError::kMissingToken);
  EXPECT_EQ(verify(std::string(kMaxTokenBytes + 1, 'a')), AuthError::kTokenTooLarge);
  for (const std::string& bad :
       std::vector<std::string>{"a", "a.b", "a.b.c.d", "!!.e30.", b64url("not json") + ".e30.x",
                                b64url(kHeader) + ".e30.not*base64"}) {
    EXPECT_EQ(verify(bad), AuthError::kMalformedToken) << bad;
  }
  // Signed, but the claims are not a JSON object.
  EXPECT_EQ(verify(hs_token(kHeader, "[1]")), AuthError::kMalformedToken);
}

TEST(Token, EveryErrorHasItsOwnCode) {
  std::set<std::string_view> codes;
  for (std::size_t i = 0; i < kAuthErrorCount; ++i) {
    const auto e = static_cast<AuthError>(i);
    EXPECT_FALSE(to_message(e).empty());
    EXPECT_TRUE(codes.insert(to_code(e)).second) << to_code(e);
  }
}

TEST(BearerToken, TakesTheTokenOfABearerAuthorization) {
  EXPECT_EQ(bearer_token("Bearer abc.def.ghi"), "abc.def.ghi");
  EXPECT_EQ(bearer_token("bearer   abc "), "abc");
  EXPECT_EQ(bearer_token("Basic abc"), "");
  EXPECT_EQ(bearer_token("Bearer"), "");
  EXPECT_EQ(bearer_token("Bearer "), "");
}

TEST(VerifiedTokenCache, HoldsOneTokenForItsGenerationUntilItExpires) {
  VerifiedTokenCache cache;
  EXPECT_EQ(cache.find("t", 1, kNow), nullptr);
  TokenClaims claims;
  claims.accept_until = kNow + 10;
  cache.store("t", 1, claims);
  EXPECT_NE(cache.find("t", 1, kNow + 10), nullptr);
  EXPECT_EQ(cache.find("t", 1, kNow + 11), nullptr);
  EXPECT_EQ(cache.find("t", 2, kNow), nullptr);
  EXPECT_EQ(cache.find("u", 1, kNow), nullptr);
  cache.clear();
  EXPECT_EQ(cache.find("t", 1, kNow), nullptr);
}

}  // namespace
}  // namespace trove::auth
