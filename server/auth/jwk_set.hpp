// A JSON Web Key Set (RFC 7517) of verification keys, each pinned to one
// JWS algorithm (RFC 7518): HS256 (kty "oct", k), RS256 (kty "RSA", n and
// e) and ES256 (kty "EC", crv "P-256", x and y). A token is verified only
// with the algorithm its key names, never with the one the token asks for.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct evp_pkey_st;  // OpenSSL's EVP_PKEY, kept out of this header

namespace trove::auth {

enum class JwsAlg { kHs256, kRs256, kEs256 };
std::optional<JwsAlg> parse_jws_alg(std::string_view name) noexcept;
std::string_view to_string(JwsAlg alg) noexcept;

// A key file larger than this is refused: a JWKS of kMaxKeys 4096-bit RSA
// keys is about 50 KiB, so 1 MiB leaves room and bounds what a bad mount costs.
inline constexpr std::size_t kMaxJwksBytes = 1U << 20U;
// Keys in one set: rotation needs two or three per issuer; the bound keeps a
// kid lookup and a reload cheap.
inline constexpr std::size_t kMaxKeys = 64;
// RFC 7518 section 3.2: an HS256 key is at least as long as the hash.
inline constexpr std::size_t kMinHmacKeyBytes = 32;
// RSA moduli below this are refused (NIST SP 800-131A: 2048 bits).
inline constexpr int kMinRsaBits = 2048;
// RSA moduli above this are refused: verification cost grows with the size.
inline constexpr int kMaxRsaBits = 8192;

struct Jwk {
  std::string kid;  // may be empty when the set has one key
  JwsAlg alg = JwsAlg::kHs256;
  std::string secret;                       // HS256
  std::shared_ptr<evp_pkey_st> public_key;  // RS256, ES256
};

struct JwkSet {
  std::vector<Jwk> keys;
  // The key named `kid`, or nullptr.
  [[nodiscard]] const Jwk* find(std::string_view kid) const noexcept;
};

struct JwksParseResult {
  std::optional<JwkSet> keys;  // set when the document is usable
  std::string error;           // otherwise: why, naming the key's index
};

// Parses a JWKS document: {"keys":[…]} with 1 .. kMaxKeys keys, each with
// kty, alg (required, matching kty) and key material; kid required when
// there is more than one key, and unique. Keys with "use":"enc" are skipped.
JwksParseResult parse_jwks(std::string_view json);

}  // namespace trove::auth
