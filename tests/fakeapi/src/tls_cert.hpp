// A self-signed certificate for the fake's HTTPS listener, made with
// OpenSSL's C API at start time (no `openssl` binary needed).
#pragma once

#include <filesystem>

namespace trove::fakeapi {

struct TlsFiles {
  std::filesystem::path cert;  // also the CA a client trusts
  std::filesystem::path key;
};

// Writes server.crt and server.key (EC P-256, SHA-256, valid for a year,
// SAN 127.0.0.1, ::1 and localhost, usable as its own CA) into dir. Throws
// std::runtime_error on failure.
TlsFiles make_self_signed(const std::filesystem::path& dir);

}  // namespace trove::fakeapi
