#include "auth/jws_signature.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>

#include <array>
#include <cstdint>

namespace trove::auth {
namespace {

// P-256: 32-byte coordinates and scalars; JOSE's signature is r||s.
constexpr std::size_t kP256Bytes = 32;
constexpr unsigned char kUncompressedPoint = 0x04;

struct BnFree {
  void operator()(BIGNUM* b) const noexcept { BN_free(b); }
};
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* b) const noexcept { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const noexcept { OSSL_PARAM_free(p); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const noexcept { EVP_PKEY_CTX_free(c); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* s) const noexcept { ECDSA_SIG_free(s); }
};

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::unique_ptr<BIGNUM, BnFree> to_bignum(std::string_view big_endian) {
  return std::unique_ptr<BIGNUM, BnFree>(
      BN_bin2bn(bytes(big_endian), static_cast<int>(big_endian.size()), nullptr));
}

std::shared_ptr<evp_pkey_st> from_params(const char* type, OSSL_PARAM* params) {
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    return nullptr;
  }
  std::shared_ptr<evp_pkey_st> owned(key, EVP_PKEY_free);
  // fromdata does not check that an EC point lies on the curve.
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> check(
      EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) return nullptr;
  return owned;
}

bool digest_verify(EVP_PKEY* key, std::string_view input, const unsigned char* sig,
                   std::size_t sig_size) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
         EVP_DigestVerify(ctx.get(), sig, sig_size, bytes(input), input.size()) == 1;
}

bool verify_hmac(const Jwk& key, std::string_view input, std::string_view signature) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_size = 0;
  if (HMAC(EVP_sha256(), key.secret.data(), static_cast<int>(key.secret.size()), bytes(input),
           input.size(), mac.data(), &mac_size) == nullptr) {
    return false;
  }
  return signature.size() == mac_size && CRYPTO_memcmp(mac.data(), signature.data(), mac_size) == 0;
}

bool verify_es256(const Jwk& key, std::string_view input, std::string_view signature) {
  if (signature.size() != 2 * kP256Bytes) return false;
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(bytes(signature), kP256Bytes, nullptr);
  BIGNUM* s = BN_bin2bn(bytes(signature) + kP256Bytes, kP256Bytes, nullptr);
  if (!sig || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return false;
  }
  unsigned char* der = nullptr;
  const int der_size = i2d_ECDSA_SIG(sig.get(), &der);
  if (der_size <= 0) return false;
  const bool ok =
      digest_verify(key.public_key.get(), input, der, static_cast<std::size_t>(der_size));
  OPENSSL_free(der);
  return ok;
}

}  // namespace

std::shared_ptr<evp_pkey_st> make_rsa_public_key(std::string_view n, std::string_view e,
                                                 std::string& error) {
  auto n_bn = to_bignum(n);
  auto e_bn = to_bignum(e);
  if (!n_bn || !e_bn || BN_is_zero(e_bn.get())) {
    error = "RSA key: n and e must be non-empty";
    return nullptr;
  }
  const int bits = BN_num_bits(n_bn.get());
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    error = "RSA key: modulus of " + std::to_string(bits) +
            " bits (allowed: " + std::to_string(kMinRsaBits) + " .. " +
            std::to_string(kMaxRsaBits) + ")";
    return nullptr;
  }
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n_bn.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e_bn.get()) != 1) {
    error = "RSA key: out of memory";
    return nullptr;
  }
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
  auto key = params ? from_params("RSA", params.get()) : nullptr;
  if (!key) error = "RSA key: OpenSSL refused n/e";
  return key;
}

std::shared_ptr<evp_pkey_st> make_p256_public_key(std::string_view x, std::string_view y,
                                                  std::string& error) {
  // RFC 7518 section 6.2.1.2 asks for the full 32 bytes, but some encoders
  // (PyJWT 2.6 among them) drop leading zero bytes: left-pad those.
  if (x.empty() || y.empty() || x.size() > kP256Bytes || y.size() > kP256Bytes) {
    error = "EC key: x and y must be 32 bytes each for P-256";
    return nullptr;
  }
  std::string point(1, static_cast<char>(kUncompressedPoint));
  point.append(kP256Bytes - x.size(), '\0').append(x);
  point.append(kP256Bytes - y.size(), '\0').append(y);
  std::array<char, sizeof "prime256v1"> group{"prime256v1"};
  std::array<OSSL_PARAM, 3> params{
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group.data(), 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
      OSSL_PARAM_construct_end()};
  auto key = from_params("EC", params.data());
  if (!key) error = "EC key: (x, y) is not a point on P-256";
  return key;
}

bool verify_signature(const Jwk& key, std::string_view signing_input, std::string_view signature) {
  switch (key.alg) {
    case JwsAlg::kHs256:
      return verify_hmac(key, signing_input, signature);
    case JwsAlg::kRs256:
      return digest_verify(key.public_key.get(), signing_input, bytes(signature), signature.size());
    case JwsAlg::kEs256:
      return verify_es256(key, signing_input, signature);
  }
  return false;
}

}  // namespace trove::auth
