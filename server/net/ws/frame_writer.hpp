// Server frames (RFC 6455 section 5.2): final, unmasked, no reserved bits,
// the minimal length encoding. Appended to one output buffer, so every reply
// produced by one read goes out in one write.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "net/ws/frame.hpp"

namespace trove::net::ws {

// Header bytes of a server frame carrying `payload_size` bytes: 2, 4 or 10.
[[nodiscard]] std::size_t frame_header_size(std::size_t payload_size) noexcept;

// Appends one frame's header to `out` (the payload is the caller's to append
// or to send from where it is).
void append_frame_header(std::string& out, Opcode opcode, std::size_t payload_size);

// Appends one whole frame. A control frame's payload must be at most
// kMaxControlPayload bytes.
void append_frame(std::string& out, Opcode opcode, std::string_view payload);

// Appends a close frame with `code` and `reason`, the reason cut at a code
// point boundary to kMaxCloseReason bytes.
void append_close(std::string& out, std::uint16_t code, std::string_view reason);

}  // namespace trove::net::ws
