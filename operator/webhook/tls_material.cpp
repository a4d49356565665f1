#include "webhook/tls_material.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>

namespace trove::webhook {
namespace {

template <auto Free>
struct Deleter {
  template <class T>
  void operator()(T* p) const {
    Free(p);
  }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free>>;

// Clocks of nodes and the API server differ a little: start in the past.
constexpr long kBackdateSeconds = 3600;
constexpr int kSerialBytes = 16;
constexpr int kX509Version3 = 2;

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("webhook certificates: " + what);
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) fail("cannot make extension " + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

void set_serial(X509* cert) {
  unsigned char bytes[kSerialBytes];
  if (RAND_bytes(bytes, sizeof bytes) != 1) fail("RAND_bytes failed");
  bytes[0] &= 0x7f;  // a positive serial
  BIGNUM* serial = BN_bin2bn(bytes, sizeof bytes, nullptr);
  BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert));
  BN_free(serial);
}

CertPtr new_certificate(EVP_PKEY* key, std::string_view common_name,
                        std::chrono::seconds validity) {
  CertPtr cert(X509_new());
  if (!cert) fail("X509_new failed");
  X509_set_version(cert.get(), kX509Version3);
  set_serial(cert.get());
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kBackdateSeconds);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(validity.count()));
  X509_set_pubkey(cert.get(), key);
  const std::string cn(common_name);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("trove"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  return cert;
}

KeyPtr new_key() {
  KeyPtr key(EVP_EC_gen("P-256"));
  if (!key) fail("cannot generate an EC key");
  return key;
}

std::string to_pem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) fail("cannot write a certificate");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return {data, static_cast<std::size_t>(size)};
}

std::string to_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    fail("cannot write a key");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return {data, static_cast<std::size_t>(size)};
}

BioPtr read_bio(std::string_view pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

CertPtr parse_certificate(std::string_view pem) {
  auto bio = read_bio(pem);
  if (!bio) return nullptr;
  return CertPtr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

KeyPtr parse_key(std::string_view pem) {
  auto bio = read_bio(pem);
  if (!bio) return nullptr;
  return KeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

}  // namespace

KeyPair make_ca(std::string_view common_name, std::chrono::seconds validity) {
  auto key = new_key();
  auto cert = new_certificate(key.get(), common_name, validity);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  add_extension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
  add_extension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(cert.get(), cert.get(), NID_subject_key_identifier, "hash");
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) fail("cannot sign the CA");
  return {to_pem(cert.get()), to_pem(key.get())};
}

KeyPair make_serving_certificate(const KeyPair& ca, const std::vector<std::string>& dns_names,
                                 std::chrono::seconds validity) {
  if (dns_names.empty()) fail("a serving certificate needs a DNS name");
  auto ca_cert = parse_certificate(ca.cert_pem);
  auto ca_key = parse_key(ca.key_pem);
  if (!ca_cert || !ca_key) fail("the CA certificate or key does not parse");
  auto key = new_key();
  auto cert = new_certificate(key.get(), dns_names.front(), validity);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get()));
  std::string san;
  for (const auto& name : dns_names)
    san += (san.empty() ? "DNS:" : ",DNS:") + name;
  add_extension(cert.get(), ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_extension(cert.get(), ca_cert.get(), NID_key_usage, "critical,digitalSignature");
  add_extension(cert.get(), ca_cert.get(), NID_ext_key_usage, "serverAuth");
  add_extension(cert.get(), ca_cert.get(), NID_subject_alt_name, san);
  if (X509_sign(cert.get(), ca_key.get(), EVP_sha256()) == 0) fail("cannot sign the certificate");
  return {to_pem(cert.get()), to_pem(key.get())};
}

std::optional<std::chrono::system_clock::time_point> certificate_not_after(std::string_view pem) {
  auto cert = parse_certificate(pem);
  if (!cert) return std::nullopt;
  struct tm tm {};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert.get()), &tm) != 1) return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

bool is_signed_by(std::string_view pem, std::string_view ca_pem) {
  auto cert = parse_certificate(pem);
  auto ca = parse_certificate(ca_pem);
  if (!cert || !ca) return false;
  EVP_PKEY* ca_key = X509_get0_pubkey(ca.get());
  return ca_key != nullptr && X509_verify(cert.get(), ca_key) == 1;
}

std::vector<std::string> service_dns_names(std::string_view service, std::string_view ns) {
  const std::string s(service);
  const std::string n(ns);
  return {s + "." + n + ".svc", s + "." + n + ".svc.cluster.local", s + "." + n, s};
}

}  // namespace trove::webhook
