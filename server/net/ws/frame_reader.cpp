#include "net/ws/frame_reader.hpp"

#include <cstring>

namespace trove::net::ws {
namespace {

constexpr unsigned char kFinBit = 0x80;
constexpr unsigned char kReservedBits = 0x70;
constexpr unsigned char kOpcodeBits = 0x0F;
constexpr unsigned char kMaskBit = 0x80;
constexpr unsigned char kLengthBits = 0x7F;
constexpr unsigned char kLength16 = 126;  // a 16-bit length follows
constexpr unsigned char kLength64 = 127;  // a 64-bit length follows
constexpr std::size_t kBaseHeader = 2;
constexpr std::size_t kMaskKey = 4;
constexpr std::uint64_t kMin16 = 126;          // shorter lengths fit the 7 bits
constexpr std::uint64_t kMin64 = 65536;        // shorter lengths fit 16 bits
constexpr std::uint64_t kTopBit = 1ULL << 63;  // must be 0 (section 5.2)
constexpr std::size_t kCloseCodeBytes = 2;

bool is_control(std::uint8_t opcode) noexcept {
  return (opcode & 0x8) != 0;
}

bool is_known(std::uint8_t opcode) noexcept {
  switch (static_cast<Opcode>(opcode)) {
    case Opcode::kContinuation:
    case Opcode::kText:
    case Opcode::kBinary:
    case Opcode::kClose:
    case Opcode::kPing:
    case Opcode::kPong:
      return true;
  }
  return false;
}

std::uint64_t read_big_endian(const unsigned char* p, std::size_t bytes) noexcept {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < bytes; ++i)
    value = (value << 8) | p[i];
  return value;
}

}  // namespace

struct FrameReader::Header {
  bool fin = false;
  std::uint8_t opcode = 0;
  std::uint64_t length = 0;
  std::size_t size = 0;  // header bytes, mask key included
  const unsigned char* key = nullptr;
};

void unmask(char* payload, std::size_t size, const unsigned char* key) noexcept {
  // Eight bytes at a time: the key repeated twice, so every 8-byte step
  // starts at key phase 0.
  std::uint64_t wide_key = 0;
  std::memcpy(&wide_key, key, kMaskKey);
  std::memcpy(reinterpret_cast<unsigned char*>(&wide_key) + kMaskKey, key, kMaskKey);
  std::size_t i = 0;
  for (; i + sizeof wide_key <= size; i += sizeof wide_key) {
    std::uint64_t word = 0;
    std::memcpy(&word, payload + i, sizeof word);
    word ^= wide_key;
    std::memcpy(payload + i, &word, sizeof word);
  }
  for (; i < size; ++i)
    payload[i] = static_cast<char>(static_cast<unsigned char>(payload[i]) ^ key[i % kMaskKey]);
}

std::size_t FrameReader::compact(char* data, std::size_t size) noexcept {
  std::size_t kept = 0;
  if (in_message_) {
    if (message_begin_ != 0) std::memmove(data, data + message_begin_, message_size_);
    message_begin_ = 0;
    kept = message_size_;
  }
  const std::size_t unparsed = size - position_;
  if (position_ != kept) std::memmove(data + kept, data + position_, unparsed);
  position_ = kept;
  return kept + unparsed;
}

Event FrameReader::fail(std::uint16_t code, std::string_view error) noexcept {
  done_ = true;
  Event event;
  event.kind = Event::Kind::kFail;
  event.code = code;
  event.error = error;
  return event;
}

Event FrameReader::need(std::size_t end) noexcept {
  wanted_ = (in_message_ ? message_size_ : 0) + (end - position_);
  return {};
}

FrameReader::Parse FrameReader::parse_header(const unsigned char* p, std::size_t available,
                                             Header& header, Event& event) {
  if (available < kBaseHeader) return Parse::kNeedMore;
  header.fin = (p[0] & kFinBit) != 0;
  header.opcode = p[0] & kOpcodeBits;
  const unsigned char length7 = p[1] & kLengthBits;
  const std::size_t extended = length7 == kLength16 ? 2 : length7 == kLength64 ? 8 : 0;
  header.size = kBaseHeader + extended + kMaskKey;
  if ((p[0] & kReservedBits) != 0) {
    event = fail(close_code::kProtocolError, "reserved bit set (no extension agreed)");
  } else if (!is_known(header.opcode)) {
    event = fail(close_code::kProtocolError, "reserved opcode");
  } else if ((p[1] & kMaskBit) == 0) {
    event = fail(close_code::kProtocolError, "unmasked client frame");
  } else if (is_control(header.opcode) && (!header.fin || extended != 0)) {
    event = fail(close_code::kProtocolError, "fragmented or long control frame");
  }
  if (done_) return Parse::kFail;
  if (available < header.size) return Parse::kNeedMore;
  header.length = extended == 0 ? length7 : read_big_endian(p + kBaseHeader, extended);
  if ((extended == 2 && header.length < kMin16) || (extended == 8 && header.length < kMin64)) {
    event = fail(close_code::kProtocolError, "length not in its minimal encoding");
  } else if ((header.length & kTopBit) != 0) {
    event = fail(close_code::kProtocolError, "64-bit length with its top bit set");
  }
  header.key = p + kBaseHeader + extended;
  return done_ ? Parse::kFail : Parse::kOk;
}

// The continuation rules and the message size, from the header alone.
Event FrameReader::check_sequence(const Header& header) noexcept {
  const auto opcode = static_cast<Opcode>(header.opcode);
  if (is_control(header.opcode)) return {};
  if (opcode == Opcode::kContinuation && !in_message_) {
    return fail(close_code::kProtocolError, "continuation without a message begun");
  }
  if (opcode != Opcode::kContinuation && in_message_) {
    return fail(close_code::kProtocolError, "new message inside a fragmented one");
  }
  const std::size_t so_far = in_message_ ? message_size_ : 0;
  if (header.length > limits_.max_message_bytes - so_far) {
    return fail(close_code::kTooBig, "message larger than the limit");
  }
  return {};
}

Event FrameReader::next(char* data, std::size_t size) noexcept {
  while (!done_) {
    const auto* p = reinterpret_cast<const unsigned char*>(data) + position_;
    Header header;
    Event event;
    const Parse parsed = parse_header(p, size - position_, header, event);
    if (parsed == Parse::kFail) return event;
    if (parsed == Parse::kNeedMore) {
      return need(position_ + (header.size == 0 ? kBaseHeader : header.size));
    }
    if (event = check_sequence(header); done_) return event;
    const std::size_t payload_at = position_ + header.size;
    if (header.length > size - payload_at) return need(payload_at + header.length);
    unmask(data + payload_at, header.length, header.key);
    position_ = payload_at + header.length;
    if (is_control(header.opcode)) return on_control(header, data + payload_at);
    event = on_data(header, data, payload_at);
    if (done_ || event.kind == Event::Kind::kMessage) return event;
  }
  return {};
}

Event FrameReader::on_control(const Header& header, char* payload) noexcept {
  Event event;
  event.payload = std::string_view(payload, header.length);
  switch (static_cast<Opcode>(header.opcode)) {
    case Opcode::kPing:
      event.kind = Event::Kind::kPing;
      return event;
    case Opcode::kPong:
      event.kind = Event::Kind::kPong;
      return event;
    default:
      break;
  }
  if (header.length == 1) return fail(close_code::kProtocolError, "close payload of one byte");
  if (header.length >= kCloseCodeBytes) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(payload);
    event.code = static_cast<std::uint16_t>(read_big_endian(bytes, kCloseCodeBytes));
    event.payload.remove_prefix(kCloseCodeBytes);
    if (!is_valid_close_code(event.code)) {
      return fail(close_code::kProtocolError, "close code not allowed");
    }
    if (!is_valid_utf8(event.payload)) {
      return fail(close_code::kInvalidPayload, "close reason not UTF-8");
    }
  }
  done_ = true;
  event.kind = Event::Kind::kClose;
  return event;
}

// A data frame, unmasked: joins the message begun (moved to follow its
// earlier fragments), checks its UTF-8, and completes the message on FIN.
Event FrameReader::on_data(const Header& header, char* data, std::size_t payload_at) noexcept {
  if (!in_message_) {
    in_message_ = true;
    message_text_ = static_cast<Opcode>(header.opcode) == Opcode::kText;
    message_begin_ = payload_at;
    message_size_ = 0;
    utf8_.reset();
  }
  char* const fragment = data + message_begin_ + message_size_;
  if (fragment != data + payload_at) std::memmove(fragment, data + payload_at, header.length);
  message_size_ += header.length;
  if (message_text_ && !utf8_.feed(std::string_view(fragment, header.length))) {
    return fail(close_code::kInvalidPayload, "text message not UTF-8");
  }
  if (!header.fin) return {};
  if (message_text_ && !utf8_.complete()) {
    return fail(close_code::kInvalidPayload, "text message ends inside a code point");
  }
  in_message_ = false;
  Event event;
  event.kind = Event::Kind::kMessage;
  event.text = message_text_;
  event.payload = std::string_view(data + message_begin_, message_size_);
  return event;
}

}  // namespace trove::net::ws
