#include <gtest/gtest.h>

#include "auth/jwk_set.hpp"
#include "token_helpers.hpp"

namespace trove::auth {
namespace {

using testing::b64url;
using testing::hs_jwks;

std::string error_of(const std::string& json) {
  auto r = parse_jwks(json);
  EXPECT_FALSE(r.keys) << json;
  return r.error;
}

std::string oct_key(std::string_view kid, std::string_view alg = "HS256") {
  return R"({"kty":"oct","alg":")" + std::string(alg) + R"(","kid":")" + std::string(kid) +
         R"(","k":")" + b64url(testing::kSecret) + "\"}";
}

TEST(Jwks, ParsesAnHs256KeyWithItsPinnedAlg) {
  auto r = parse_jwks(hs_jwks());
  ASSERT_TRUE(r.keys) << r.error;
  ASSERT_EQ(r.keys->keys.size(), 1U);
  EXPECT_EQ(r.keys->keys[0].kid, "hs1");
  EXPECT_EQ(r.keys->keys[0].alg, JwsAlg::kHs256);
  EXPECT_EQ(r.keys->keys[0].secret, testing::kSecret);
  EXPECT_NE(r.keys->find("hs1"), nullptr);
  EXPECT_EQ(r.keys->find("other"), nullptr);
}

TEST(Jwks, RefusesMalformedDocuments) {
  EXPECT_NE(error_of("").find("not JSON"), std::string::npos);
  EXPECT_NE(error_of("[]").find("not JSON"), std::string::npos);
  EXPECT_NE(error_of(R"({"keys":{}})").find("\"keys\""), std::string::npos);
  EXPECT_NE(error_of(R"({"keys":[]})").find("\"keys\""), std::string::npos);
  EXPECT_NE(error_of(R"({"keys":[1]})").find("key 0: must be an object"), std::string::npos);
  EXPECT_NE(error_of(std::string(200000, '[')).find("not JSON"), std::string::npos);
}

TEST(Jwks, EveryKeyNeedsAnAllowedAlgMatchingItsKty) {
  EXPECT_NE(error_of(R"({"keys":[{"kty":"oct","k":"AAAA"}]})").find("\"alg\""), std::string::npos);
  EXPECT_NE(error_of("{\"keys\":[" + oct_key("a", "none") + "]}").find("\"alg\""),
            std::string::npos);
  EXPECT_NE(error_of("{\"keys\":[" + oct_key("a", "RS256") + "]}").find("\"kty\" must be \"RSA\""),
            std::string::npos);
  EXPECT_NE(error_of(R"({"keys":[{"kty":"EC","alg":"ES256","crv":"P-384","x":"AA","y":"AA"}]})")
                .find("P-256"),
            std::string::npos);
}

TEST(Jwks, RefusesWeakOrInvalidKeyMaterial) {
  EXPECT_NE(error_of(hs_jwks("a", "short")).find("shorter than 32"), std::string::npos);
  EXPECT_NE(
      error_of(R"({"keys":[{"kty":"oct","alg":"HS256","k":"not base64!"}]})").find("base64url"),
      std::string::npos);
  // A 512-bit modulus.
  const std::string n = b64url(std::string(64, '\xff'));
  EXPECT_NE(error_of(R"({"keys":[{"kty":"RSA","alg":"RS256","n":")" + n + R"(","e":"AQAB"}]})")
                .find("512 bits"),
            std::string::npos);
  // (1, 1) is not on P-256.
  const std::string one = b64url(std::string(31, '\0') + "\x01");
  EXPECT_NE(error_of(R"({"keys":[{"kty":"EC","alg":"ES256","crv":"P-256","x":")" + one +
                     R"(","y":")" + one + "\"}]}")
                .find("not a point"),
            std::string::npos);
}

TEST(Jwks, SeveralKeysNeedUniqueKids) {
  EXPECT_NE(error_of("{\"keys\":[" + oct_key("a") + "," + oct_key("a") + "]}").find("duplicate"),
            std::string::npos);
  auto r = parse_jwks("{\"keys\":[" + oct_key("a") + "," + oct_key("b") + "]}");
  ASSERT_TRUE(r.keys) << r.error;
  EXPECT_EQ(r.keys->keys.size(), 2U);
}

TEST(Jwks, SkipsEncryptionKeys) {
  auto r =
      parse_jwks(R"({"keys":[{"kty":"RSA","use":"enc","alg":"RSA-OAEP"},)" + oct_key("a") + "]}");
  ASSERT_TRUE(r.keys) << r.error;
  EXPECT_EQ(r.keys->keys.size(), 1U);
}

TEST(Jwks, BoundsKeyCountAndDocumentSize) {
  std::string many = "{\"keys\":[";
  for (std::size_t i = 0; i <= kMaxKeys; ++i)
    many += (i ? "," : "") + oct_key("k" + std::to_string(i));
  EXPECT_NE(error_of(many + "]}").find("1 .. 64 keys"), std::string::npos);
  std::string big = hs_jwks();
  big.insert(1, R"("pad":")" + std::string(kMaxJwksBytes, 'x') + "\",");
  EXPECT_NE(error_of(big).find("larger than"), std::string::npos);
}

}  // namespace
}  // namespace trove::auth
