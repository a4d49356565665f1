// Client frames for the codec tests (tests/server/unit/ws_*_test.cpp) and a
// reader driven the way a connection drives it: bytes arrive in reads of
// any size, every event is taken, then the buffer is compacted.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "net/ws/frame_reader.hpp"

namespace trove::net::ws::testing {

inline constexpr std::uint8_t kFin = 0x80;
inline constexpr std::uint8_t kText = 0x1;
inline constexpr std::uint8_t kBinary = 0x2;
inline constexpr std::uint8_t kContinuation = 0x0;
inline constexpr std::uint8_t kClose = 0x8;
inline constexpr std::uint8_t kPing = 0x9;
inline constexpr std::uint8_t kPong = 0xA;

struct FrameSpec {
  bool masked = true;
  int length_bytes = -1;  // -1: minimal; 0, 2 or 8 force an encoding
  std::string key = "\x12\x34\x56\x78";
};

// A client frame: `first` is the first header byte (FIN, RSV, opcode).
inline std::string client_frame(std::uint8_t first, std::string_view payload, FrameSpec spec = {}) {
  std::string out(1, static_cast<char>(first));
  const std::uint64_t n = payload.size();
  int bytes = spec.length_bytes;
  if (bytes < 0) bytes = n < 126 ? 0 : n < 65536 ? 2 : 8;
  const auto mask_bit = static_cast<std::uint8_t>(spec.masked ? 0x80 : 0);
  const std::uint8_t length7 = bytes == 0 ? static_cast<std::uint8_t>(n) : bytes == 2 ? 126 : 127;
  out.push_back(static_cast<char>(mask_bit | length7));
  for (int i = bytes; i-- > 0;)
    out.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
  if (!spec.masked) return out.append(payload);
  out += spec.key;
  for (std::size_t i = 0; i < payload.size(); ++i)
    out.push_back(static_cast<char>(payload[i] ^ spec.key[i % 4]));
  return out;
}

inline std::string text(std::string_view payload) {
  return client_frame(kFin | kText, payload);
}

// One event as a comparable value, its payload copied out of the buffer.
struct Seen {
  Event::Kind kind;
  bool text;
  std::string payload;
  std::uint16_t code;
  bool operator==(const Seen&) const = default;
};

// Feeds `input` in reads of `read_size` bytes (0: all at once), compacting
// the buffer after each read's events, as a connection does. Stops after a
// close or failure.
inline std::vector<Seen> read_all(std::string_view input, std::size_t read_size = 0,
                                  ReaderLimits limits = {}) {
  FrameReader reader(limits);
  std::string buffer;
  std::vector<Seen> seen;
  std::size_t offset = 0;
  while (offset < input.size() && !reader.done()) {
    const std::size_t n = read_size == 0 ? input.size() : read_size;
    buffer.append(input.substr(offset, n));
    offset += n;
    for (;;) {
      const Event e = reader.next(buffer.data(), buffer.size());
      if (e.kind == Event::Kind::kNeedMore) break;
      seen.push_back({e.kind, e.text, std::string(e.payload), e.code});
      if (reader.done()) break;
    }
    buffer.resize(reader.compact(buffer.data(), buffer.size()));
  }
  return seen;
}

inline Seen message(std::string_view payload, bool is_text = true) {
  return {Event::Kind::kMessage, is_text, std::string(payload), 0};
}
inline Seen failure(std::uint16_t code) {
  return {Event::Kind::kFail, false, "", code};
}

}  // namespace trove::net::ws::testing
