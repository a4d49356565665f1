// Standard base64 (RFC 4648, with padding): AdmissionResponse.patch is a
// base64 JSON Patch.
#pragma once

#include <string>
#include <string_view>

namespace trove::webhook {

std::string base64_encode(std::string_view bytes);

}  // namespace trove::webhook
