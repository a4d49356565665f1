// RFC 6455 client side: the opening handshake (key, expected accept) and the
// framing (masked frames out, unmasked frames in). Pure functions over bytes,
// so every malformed or hostile server frame can be unit tested.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace trove::loadgen {

enum class WsOpcode : std::uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

enum class WsError : std::uint8_t {
  kNone,
  kReservedBits,      // RSV1-3 set without a negotiated extension
  kBadOpcode,         // opcode 3-7 or B-F
  kMaskedByServer,    // a server must not mask (RFC 6455 5.1)
  kBadControl,        // control frame fragmented or over 125 bytes
  kNonMinimalLength,  // length not in its shortest encoding
  kTooLarge,          // payload above the configured limit (or 64-bit MSB set)
};

const char* to_string(WsError e);

struct WsFrame {
  enum class State : std::uint8_t { kNeedMore, kComplete, kError } state = State::kNeedMore;
  WsError error = WsError::kNone;
  bool fin = false;
  WsOpcode opcode = WsOpcode::kContinuation;
  std::string_view payload;  // view into the input buffer
  std::size_t total_bytes = 0;
};

// Decodes one server frame from the start of `data`.
WsFrame decode_server_frame(std::string_view data, std::size_t max_payload);

// Appends one masked client frame (FIN set) to `out`.
void append_client_frame(std::string& out, WsOpcode opcode, std::string_view payload,
                         std::uint32_t mask_key);

std::string base64_encode(std::string_view bytes);

// Sec-WebSocket-Accept for a Sec-WebSocket-Key (base64(SHA-1(key + GUID))).
std::string websocket_accept_for(std::string_view key);

// The GET request that opens a WebSocket on `path`.
std::string websocket_handshake_request(std::string_view host, std::string_view path,
                                        std::string_view key);

}  // namespace trove::loadgen
