// Incremental UTF-8 validation for WebSocket text messages (RFC 6455
// section 8.1): a message arrives in fragments that may cut a code point
// anywhere, and an invalid sequence must fail the connection as soon as it
// arrives, before the message ends. Accepts exactly RFC 3629's UTF-8: no
// overlong forms, no surrogates (U+D800..U+DFFF), nothing above U+10FFFF.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace trove::net::ws {

class Utf8Validator {
 public:
  // Feeds the next bytes of the text; false once the text so far can no
  // longer be the start of valid UTF-8 (it stays false until reset).
  [[nodiscard]] bool feed(std::string_view bytes) noexcept;
  // True when the text fed so far ends on a code point boundary.
  [[nodiscard]] bool complete() const noexcept { return pending_ == 0 && !failed_; }
  void reset() noexcept { *this = Utf8Validator{}; }

 private:
  bool feed_byte(std::uint8_t byte) noexcept;

  static constexpr std::uint8_t kContinuationLow = 0x80;
  static constexpr std::uint8_t kContinuationHigh = 0xBF;
  // Continuation bytes the current code point still needs, and the range the
  // next one must fall in (narrower after E0, ED, F0 and F4).
  std::uint8_t pending_ = 0;
  std::uint8_t next_low_ = kContinuationLow;
  std::uint8_t next_high_ = kContinuationHigh;
  bool failed_ = false;
};

// Whole-text check: `text` is valid UTF-8 on its own.
[[nodiscard]] bool is_valid_utf8(std::string_view text) noexcept;

}  // namespace trove::net::ws
