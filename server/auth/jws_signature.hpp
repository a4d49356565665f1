// The signature checks of JWS (RFC 7515, RFC 7518 section 3) over OpenSSL's
// EVP interface, and the public keys they take, built from JWK members.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "auth/jwk_set.hpp"

namespace trove::auth {

// An RSA public key from the big-endian modulus and exponent, or nullptr
// with `error` set (size out of kMinRsaBits .. kMaxRsaBits, invalid key).
std::shared_ptr<evp_pkey_st> make_rsa_public_key(std::string_view n, std::string_view e,
                                                 std::string& error);
// A P-256 public key from its big-endian affine coordinates (32 bytes; fewer
// are left-padded with zeros), or nullptr with `error` set (over 32 bytes,
// not a point on the curve).
std::shared_ptr<evp_pkey_st> make_p256_public_key(std::string_view x, std::string_view y,
                                                  std::string& error);

// Whether `signature` (the decoded third part of the token) signs
// `signing_input` (header.payload as sent) under `key` with the key's alg:
// HMAC-SHA256 compared in constant time, RSASSA-PKCS1-v1_5 with SHA-256, or
// ECDSA P-256 with SHA-256 (JOSE's 64-byte r||s, converted to DER for
// OpenSSL).
bool verify_signature(const Jwk& key, std::string_view signing_input, std::string_view signature);

}  // namespace trove::auth
