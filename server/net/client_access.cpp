#include "net/client_access.hpp"

#include <algorithm>

#include "trove/common/json.hpp"

namespace trove::net {

bool box_in_scope(const store::BoxStore& store, std::uint64_t id, const auth::TokenScope& scope) {
  if (scope.all_hunts) return true;
  char hunt[store::kMaxHuntBytes];
  const store::ReadResult r = store.read(id, {}, hunt);
  return !r.found || scope.allows({hunt, r.hunt_size});
}
namespace {

std::unique_ptr<auth::ClientAuth> make_client_auth(const config::ServerConfig& config) {
  if (config.client_auth_keys.empty()) return nullptr;
  auth::ClientAuthOptions options;
  options.keys_file = config.client_auth_keys;
  options.rules.leeway_seconds = static_cast<std::int64_t>(config.client_auth_leeway_s);
  options.rules.audience = config.client_auth_audience;
  options.rules.issuer = config.client_auth_issuer;
  return std::make_unique<auth::ClientAuth>(std::move(options));
}

}  // namespace

AllowedOrigins::AllowedOrigins(std::string_view list) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    const std::string_view origin = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    if (origin == "*") {
      any_ = true;
    } else if (!origin.empty()) {
      origins_.emplace_back(origin);
    }
  }
}

// Origins compare as ASCII case-insensitive strings would for the host, but
// browsers send them lowercased already (RFC 6454 section 6.1): exact match.
bool AllowedOrigins::allows(std::string_view origin) const noexcept {
  if (any_) return true;
  return std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

ClientAccess::ClientAccess(const config::ServerConfig& config)
    : auth(make_client_auth(config)), origins(config.allowed_origins) {}

void append_auth_error(std::string& out, auth::AuthError error) {
  out += "{\"error\":";
  common::append_json_string(out, auth::to_message(error));
  out += ",\"code\":";
  common::append_json_string(out, auth::to_code(error));
  out += '}';
}

void append_www_authenticate(std::string& out, auth::AuthError error) {
  out += "WWW-Authenticate: Bearer realm=\"trove\"";
  // Without a token the client is told only that one is needed.
  if (error != auth::AuthError::kMissingToken) {
    out += ", error=\"invalid_token\", error_description=\"";
    out += auth::to_code(error);
    out += '"';
  }
  out += "\r\n";
}

}  // namespace trove::net
