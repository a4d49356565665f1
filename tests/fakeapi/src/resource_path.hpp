// Splits an API path (/api/v1/..., /apis/<g>/<v>/...) into its parts.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace trove::fakeapi {

struct ResourceRef {
  std::string group;
  std::string version;
  std::string ns;  // from /namespaces/<ns>/; empty if the path has none
  std::string plural;
  std::string name;
  std::string subresource;  // "status", or empty
};

// nullopt when the path does not address a resource (or has extra parts).
std::optional<ResourceRef> parse_resource_path(std::string_view path);

// Base64 (standard alphabet, padded), for Secret data and continue tokens.
std::string base64_encode(std::string_view data);
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace trove::fakeapi
