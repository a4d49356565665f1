// Bearer tokens: constant-time comparison and loading from a file (a mounted
// Kubernetes Secret: trailing newline stripped).
#pragma once

#include <string>
#include <string_view>

namespace trove::common {

// Compares in time that depends only on the lengths, never on where the
// first difference is, so a caller cannot guess a token byte by byte.
bool constant_time_equals(std::string_view a, std::string_view b);

// The token from "Bearer <token>" (scheme case-insensitive), empty otherwise.
std::string_view bearer_token(std::string_view authorization_header);

// Reads the token file; trailing whitespace removed. Throws std::runtime_error
// naming the file when it cannot be read or is empty.
std::string read_token_file(const std::string& path);

}  // namespace trove::common
