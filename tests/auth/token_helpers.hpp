// Minting HS256 tokens and JWKS documents for the unit tests.
#pragma once

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>
#include <string_view>

namespace trove::auth::testing {

inline std::string b64url(std::string_view bytes) {
  std::string out((bytes.size() + 2) / 3 * 4 + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=')
    out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

// A 32-byte secret, and the JWKS holding it as kid "hs1".
inline const std::string kSecret = "0123456789abcdef0123456789abcdef";
inline std::string hs_jwks(std::string_view kid = "hs1", std::string_view secret = kSecret) {
  return R"({"keys":[{"kty":"oct","alg":"HS256","kid":")" + std::string(kid) + R"(","k":")" +
         b64url(secret) + "\"}]}";
}

inline std::string hs_token(std::string_view header_json, std::string_view claims_json,
                            std::string_view secret = kSecret) {
  const std::string input = b64url(header_json) + "." + b64url(claims_json);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &size);
  return input + "." + b64url({reinterpret_cast<const char*>(mac), size});
}

}  // namespace trove::auth::testing
