// Checks on a WebSocket upgrade request that Beast's accept leaves open.
#pragma once

#include <cstddef>
#include <string_view>

namespace trove::net {

// Sec-WebSocket-Key must be the base64 of 16 bytes (RFC 6455 section 4.2.1):
// 22 alphabet characters and "==". Beast accepts any value of up to 24 bytes,
// the empty one included; a server must refuse such a handshake with 400.
[[nodiscard]] inline bool is_websocket_key(std::string_view key) noexcept {
  constexpr std::size_t kKeyChars = 24;       // base64 of 16 bytes, padded
  constexpr std::size_t kAlphabetChars = 22;  // 16 bytes = 21 full sextets and 2 bits
  if (key.size() != kKeyChars || key.substr(kAlphabetChars) != "==") return false;
  for (const char c : key.substr(0, kAlphabetChars)) {
    const bool alphabet = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                          (c >= '0' && c <= '9') || c == '+' || c == '/';
    if (!alphabet) return false;
  }
  return true;
}

}  // namespace trove::net
