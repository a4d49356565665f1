#include "net/ws/frame_writer.hpp"

namespace trove::net::ws {
namespace {

constexpr unsigned char kFinBit = 0x80;
constexpr std::size_t kMax7 = 125;      // longest length held in the first 7 bits
constexpr std::size_t kMax16 = 0xFFFF;  // longest held in a 16-bit length
constexpr unsigned char kLength16 = 126;
constexpr unsigned char kLength64 = 127;
constexpr std::size_t kBaseHeader = 2;
constexpr unsigned kByteBits = 8;
constexpr unsigned char kContinuationMask = 0xC0;
constexpr unsigned char kContinuationBits = 0x80;

void append_big_endian(std::string& out, std::uint64_t value, std::size_t bytes) {
  for (std::size_t i = bytes; i-- > 0;)
    out.push_back(static_cast<char>((value >> (i * kByteBits)) & 0xFF));
}

}  // namespace

std::size_t frame_header_size(std::size_t payload_size) noexcept {
  if (payload_size <= kMax7) return kBaseHeader;
  return payload_size <= kMax16 ? kBaseHeader + 2 : kBaseHeader + 8;
}

void append_frame_header(std::string& out, Opcode opcode, std::size_t payload_size) {
  out.push_back(static_cast<char>(kFinBit | static_cast<unsigned char>(opcode)));
  if (payload_size <= kMax7) {
    out.push_back(static_cast<char>(payload_size));
  } else if (payload_size <= kMax16) {
    out.push_back(static_cast<char>(kLength16));
    append_big_endian(out, payload_size, 2);
  } else {
    out.push_back(static_cast<char>(kLength64));
    append_big_endian(out, payload_size, 8);
  }
}

void append_frame(std::string& out, Opcode opcode, std::string_view payload) {
  append_frame_header(out, opcode, payload.size());
  out.append(payload);
}

void append_close(std::string& out, std::uint16_t code, std::string_view reason) {
  if (reason.size() > kMaxCloseReason) {
    std::size_t cut = kMaxCloseReason;
    // Back off to the lead byte of a code point cut in two.
    while (cut > 0 &&
           (static_cast<unsigned char>(reason[cut]) & kContinuationMask) == kContinuationBits) {
      --cut;
    }
    reason = reason.substr(0, cut);
  }
  append_frame_header(out, Opcode::kClose, 2 + reason.size());
  append_big_endian(out, code, 2);
  out.append(reason);
}

}  // namespace trove::net::ws
