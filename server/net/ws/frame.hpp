// RFC 6455 vocabulary shared by the frame reader and writer: opcodes, close
// codes and which close codes a peer may send.
#pragma once

#include <cstddef>
#include <cstdint>

namespace trove::net::ws {

enum class Opcode : std::uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

namespace close_code {
inline constexpr std::uint16_t kNormal = 1000;
inline constexpr std::uint16_t kGoingAway = 1001;
inline constexpr std::uint16_t kProtocolError = 1002;
inline constexpr std::uint16_t kInvalidPayload = 1007;  // text that is not UTF-8
inline constexpr std::uint16_t kPolicy = 1008;
inline constexpr std::uint16_t kTooBig = 1009;
}  // namespace close_code

// A control frame's payload is at most this long (section 5.5), so a close
// reason is at most this minus the two bytes of its code.
inline constexpr std::size_t kMaxControlPayload = 125;
inline constexpr std::size_t kMaxCloseReason = kMaxControlPayload - 2;

// Codes a peer may put in a close frame (section 7.4 and IANA's registry):
// 1000-1003, 1007-1013 and 3000-4999. Below 1000, 1004-1006 (1005 and 1006
// are never sent), 1014-2999 and above 4999 fail the connection.
[[nodiscard]] constexpr bool is_valid_close_code(std::uint16_t code) noexcept {
  constexpr std::uint16_t kRegisteredFirst = 3000;
  constexpr std::uint16_t kPrivateLast = 4999;
  if (code >= kRegisteredFirst) return code <= kPrivateLast;
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1013);
}

}  // namespace trove::net::ws
