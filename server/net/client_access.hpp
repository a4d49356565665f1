// Who may read on the public listener (docs/client-auth.md): client tokens
// (server/auth, on when --client-auth-keys is set) and the browser origins
// allowed for WebSocket upgrades and CORS (--allowed-origins). Shared by all
// workers; what a connection proved lives in the connection.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/client_auth.hpp"
#include "config/server_config.hpp"
#include "store/box_store.hpp"

namespace trove::net {

// Whether `scope` grants box `id`: its hunt is read without its payload. A
// box that does not exist is granted (a GET answers 404; a subscription's
// pushes are checked when they come).
bool box_in_scope(const store::BoxStore& store, std::uint64_t id, const auth::TokenScope& scope);

class AllowedOrigins {
 public:
  // `list`: "" (no check), "*", or a comma list of origins.
  explicit AllowedOrigins(std::string_view list);
  // Whether --allowed-origins was given at all.
  [[nodiscard]] bool configured() const noexcept { return any_ || !origins_.empty(); }
  [[nodiscard]] bool any() const noexcept { return any_; }
  [[nodiscard]] bool allows(std::string_view origin) const noexcept;

 private:
  bool any_ = false;
  std::vector<std::string> origins_;
};

struct ClientAccess {
  // Throws auth::KeyFileError when the key file is not usable.
  explicit ClientAccess(const config::ServerConfig& config);

  std::unique_ptr<auth::ClientAuth> auth;  // nullptr: reads need no token
  AllowedOrigins origins;
  // WebSocket upgrades and preflights refused for their Origin.
  std::atomic<std::uint64_t> origin_refused{0};
};

// {"error":"<message>","code":"<code>"}
void append_auth_error(std::string& out, auth::AuthError error);
// The WWW-Authenticate header line (RFC 6750 section 3) for a 401 with `error`.
void append_www_authenticate(std::string& out, auth::AuthError error);

}  // namespace trove::net
