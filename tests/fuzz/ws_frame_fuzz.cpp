// Fuzzes the WebSocket frame reader (server/net/ws/frame_reader.hpp): a byte
// stream from a client, read in chunks of a fuzzed size with the buffer
// compacted after each read, as a connection reads it. Checks:
// - the events do not depend on how the stream is cut into reads;
// - no message exceeds the size limit, every text message is valid UTF-8
//   by an independent decoder, and a buffer never needs more than one
//   message plus one frame (a header and, between fragments, a control
//   frame's payload);
// - nothing follows a close or a failure.
// Input: byte 0 picks the read size, byte 1 the message size limit; the
// rest is the stream.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "net/ws/frame_reader.hpp"

namespace {

using trove::net::ws::Event;
using trove::net::ws::FrameReader;
using trove::net::ws::ReaderLimits;

constexpr std::size_t kMaxHeader = 14;  // 2 + 8-byte length + 4-byte key
constexpr std::size_t kLimitStep = 64;  // the limit is a multiple of this
constexpr std::uint32_t kMaxCodePoint = 0x10FFFF;

struct Seen {
  Event::Kind kind;
  bool text;
  std::string payload;
  std::uint16_t code;
  bool operator==(const Seen&) const = default;
};

// UTF-8 by decoding each code point and checking its value: a different
// method from the validator's byte ranges.
bool reference_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto lead = static_cast<unsigned char>(s[i]);
    std::size_t n = lead < 0x80           ? 1
                    : (lead >> 5) == 0x6  ? 2
                    : (lead >> 4) == 0xE  ? 3
                    : (lead >> 3) == 0x1E ? 4
                                          : 0;
    if (n == 0 || i + n > s.size()) return false;
    std::uint32_t cp = n == 1 ? lead : lead & (0x7F >> n);
    for (std::size_t k = 1; k < n; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    const std::uint32_t min_for_length[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_for_length[n] || cp > kMaxCodePoint || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n;
  }
  return true;
}

std::vector<Seen> read_in_chunks(std::string_view stream, std::size_t chunk, ReaderLimits limits) {
  FrameReader reader(limits);
  std::string buffer;
  std::vector<Seen> seen;
  for (std::size_t offset = 0; offset < stream.size() && !reader.done(); offset += chunk) {
    buffer.append(stream.substr(offset, chunk));
    for (;;) {
      const Event e = reader.next(buffer.data(), buffer.size());
      if (e.kind == Event::Kind::kNeedMore) {
        FUZZ_CHECK(reader.wanted() <=
                   limits.max_message_bytes + kMaxHeader + trove::net::ws::kMaxControlPayload);
        break;
      }
      FUZZ_CHECK(!seen.empty() ? seen.back().kind != Event::Kind::kClose : true);
      seen.push_back({e.kind, e.text, std::string(e.payload), e.code});
      if (reader.done()) break;
    }
    buffer.resize(reader.compact(buffer.data(), buffer.size()));
  }
  return seen;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t chunk = 1 + data[0] % 64;
  const ReaderLimits limits{kLimitStep * (1 + data[1])};
  const std::string_view stream(reinterpret_cast<const char*>(data + 2), size - 2);
  const std::vector<Seen> whole = read_in_chunks(stream, stream.size() + 1, limits);
  FUZZ_CHECK(read_in_chunks(stream, chunk, limits) == whole);
  for (std::size_t i = 0; i < whole.size(); ++i) {
    const Seen& e = whole[i];
    const bool last = i + 1 == whole.size();
    if (e.kind == Event::Kind::kClose || e.kind == Event::Kind::kFail) FUZZ_CHECK(last);
    if (e.kind == Event::Kind::kMessage) {
      FUZZ_CHECK(e.payload.size() <= limits.max_message_bytes);
      if (e.text) FUZZ_CHECK(reference_utf8(e.payload));
    }
    if (e.kind == Event::Kind::kPing || e.kind == Event::Kind::kPong) {
      FUZZ_CHECK(e.payload.size() <= 125);
    }
    if (e.kind == Event::Kind::kClose) FUZZ_CHECK(reference_utf8(e.payload));
  }
  return 0;
}
