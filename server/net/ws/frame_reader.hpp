// Server side of RFC 6455 framing over one contiguous read buffer: the
// connection reads as much as the socket has into the buffer, then takes
// every complete event out of it with next(), without copying. Frames are
// unmasked in place and the fragments of a message are moved together in
// place, so a message is one string_view into the buffer however many
// frames (and control frames between them) carried it.
//
// Checked here, each failing the connection with its close code: masking
// (every client frame is masked), reserved bits and opcodes (no extension is
// ever agreed), minimal length encoding, control frames (final, at most 125
// bytes), the continuation rules, the message size limit (1009, as soon as a
// frame header shows it), UTF-8 of text messages (1007, fragment by
// fragment) and close payloads (code and UTF-8 reason).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "net/ws/frame.hpp"
#include "net/ws/utf8_validator.hpp"

namespace trove::net::ws {

struct ReaderLimits {
  // All fragments of one message together; more fails with 1009.
  std::size_t max_message_bytes = std::size_t{1} << 20;
};

struct Event {
  enum class Kind {
    kNeedMore,  // the buffer ends inside a frame: read more (see wanted())
    kMessage,   // a whole data message: text, payload
    kPing,      // payload: answer with a pong carrying it
    kPong,      // payload
    kClose,     // the peer's close: code (0 when it sent none), payload = reason
    kFail,      // a protocol violation: close with code; error says what
  };
  Kind kind = Kind::kNeedMore;
  bool text = false;
  std::string_view payload;
  std::uint16_t code = 0;
  std::string_view error;
};

class FrameReader {
 public:
  explicit FrameReader(ReaderLimits limits) noexcept : limits_(limits) {}

  // The next event of buffer [0, size), of which the first taken() bytes
  // are already parsed. Rewrites bytes in place (unmasking, moving fragments
  // together). A message's payload stays valid until compact(); a control
  // frame's until the next call. After kClose or kFail there are no more.
  [[nodiscard]] Event next(char* data, std::size_t size) noexcept;

  // Moves what is still needed to the front of the buffer: the message
  // begun (its fragments so far), then the bytes not yet parsed, dropping
  // everything taken (frames handled, fragment headers, control frames
  // between fragments). Returns the buffer's new size. Views of earlier
  // events are invalid afterwards.
  [[nodiscard]] std::size_t compact(char* data, std::size_t size) noexcept;
  // After kNeedMore: how many bytes a compacted buffer must hold before the
  // next event can complete (the message begun, the current frame's header,
  // then its whole payload). At most max_message_bytes plus one header
  // and one control frame's payload (a ping between fragments).
  [[nodiscard]] std::size_t wanted() const noexcept { return wanted_; }
  // Bytes already taken at the front of the buffer (compact() frees them).
  [[nodiscard]] std::size_t taken() const noexcept { return position_; }
  [[nodiscard]] bool in_message() const noexcept { return in_message_; }
  [[nodiscard]] bool done() const noexcept { return done_; }

 private:
  struct Header;
  enum class Parse { kOk, kNeedMore, kFail };
  Parse parse_header(const unsigned char* p, std::size_t available, Header& header, Event& event);
  Event check_sequence(const Header& header) noexcept;
  Event on_control(const Header& header, char* payload) noexcept;
  Event on_data(const Header& header, char* data, std::size_t payload_at) noexcept;
  Event fail(std::uint16_t code, std::string_view error) noexcept;
  Event need(std::size_t end) noexcept;

  ReaderLimits limits_;
  std::size_t position_ = 0;  // the next frame's header
  // A message begun: its fragments so far, moved together from message_begin_.
  std::size_t message_begin_ = 0;
  std::size_t message_size_ = 0;
  bool in_message_ = false;
  bool message_text_ = false;
  bool done_ = false;
  std::size_t wanted_ = 0;
  Utf8Validator utf8_;
};

// XORs `size` bytes with the 4-byte masking key, in place (section 5.3).
void unmask(char* payload, std::size_t size, const unsigned char* key) noexcept;

}  // namespace trove::net::ws
