#include "net/ws/utf8_validator.hpp"

#include <cstring>

namespace trove::net::ws {
namespace {

// ASCII runs are checked a word at a time: JSON text is mostly ASCII.
constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
constexpr std::uint8_t kAsciiEnd = 0x80;

struct Lead {
  std::uint8_t pending;  // continuation bytes that follow
  std::uint8_t low;      // range of the first continuation byte
  std::uint8_t high;
};

// What a non-ASCII lead byte starts; pending 0 = not a lead byte. The
// narrowed ranges exclude overlong forms (E0, F0), surrogates (ED) and code
// points above U+10FFFF (F4); C0, C1 and F5..FF never start a code point.
constexpr Lead lead_of(std::uint8_t byte) noexcept {
  if (byte >= 0xC2 && byte <= 0xDF) return {1, 0x80, 0xBF};
  if (byte == 0xE0) return {2, 0xA0, 0xBF};
  if (byte == 0xED) return {2, 0x80, 0x9F};
  if (byte >= 0xE1 && byte <= 0xEF) return {2, 0x80, 0xBF};
  if (byte == 0xF0) return {3, 0x90, 0xBF};
  if (byte >= 0xF1 && byte <= 0xF3) return {3, 0x80, 0xBF};
  if (byte == 0xF4) return {3, 0x80, 0x8F};
  return {0, 0, 0};
}

}  // namespace

bool Utf8Validator::feed_byte(std::uint8_t byte) noexcept {
  if (pending_ == 0) {
    if (byte < kAsciiEnd) return true;
    const Lead lead = lead_of(byte);
    if (lead.pending == 0) return false;
    pending_ = lead.pending;
    next_low_ = lead.low;
    next_high_ = lead.high;
    return true;
  }
  if (byte < next_low_ || byte > next_high_) return false;
  --pending_;
  next_low_ = kContinuationLow;
  next_high_ = kContinuationHigh;
  return true;
}

bool Utf8Validator::feed(std::string_view bytes) noexcept {
  if (failed_) return false;
  const auto* p = reinterpret_cast<const std::uint8_t*>(bytes.data());
  const auto* const end = p + bytes.size();
  while (p < end) {
    if (pending_ == 0) {
      std::uint64_t word = 0;
      while (end - p >= static_cast<std::ptrdiff_t>(sizeof word)) {
        std::memcpy(&word, p, sizeof word);
        if ((word & kHighBits) != 0) break;
        p += sizeof word;
      }
      if (p == end) break;
    }
    if (!feed_byte(*p++)) {
      failed_ = true;
      return false;
    }
  }
  return true;
}

bool is_valid_utf8(std::string_view text) noexcept {
  Utf8Validator validator;
  return validator.feed(text) && validator.complete();
}

}  // namespace trove::net::ws
