#include "websocket.hpp"

#include <openssl/evp.h>

#include <array>
#include <cstring>

namespace trove::loadgen {

const char* to_string(WsError e) {
  switch (e) {
    case WsError::kNone:
      return "none";
    case WsError::kReservedBits:
      return "reserved_bits";
    case WsError::kBadOpcode:
      return "bad_opcode";
    case WsError::kMaskedByServer:
      return "masked_by_server";
    case WsError::kBadControl:
      return "bad_control_frame";
    case WsError::kNonMinimalLength:
      return "non_minimal_length";
    case WsError::kTooLarge:
      return "frame_too_large";
  }
  return "unknown";
}

namespace {

WsFrame fail(WsError e) {
  WsFrame f;
  f.state = WsFrame::State::kError;
  f.error = e;
  return f;
}

}  // namespace

WsFrame decode_server_frame(std::string_view data, std::size_t max_payload) {
  WsFrame f;
  if (data.size() < 2) return f;
  const auto b0 = static_cast<std::uint8_t>(data[0]);
  const auto b1 = static_cast<std::uint8_t>(data[1]);
  if (b0 & 0x70) return fail(WsError::kReservedBits);
  const std::uint8_t op = b0 & 0x0f;
  const bool control = op >= 0x8;
  if ((op > 0x2 && op < 0x8) || op > 0xA) return fail(WsError::kBadOpcode);
  if (b1 & 0x80) return fail(WsError::kMaskedByServer);
  f.fin = (b0 & 0x80) != 0;
  f.opcode = static_cast<WsOpcode>(op);
  std::uint64_t length = b1 & 0x7f;
  std::size_t header = 2;
  if (control && (!f.fin || length > 125)) return fail(WsError::kBadControl);
  if (length == 126) {
    if (data.size() < 4) return f;
    length = (static_cast<std::uint64_t>(static_cast<std::uint8_t>(data[2])) << 8) |
             static_cast<std::uint8_t>(data[3]);
    if (length < 126) return fail(WsError::kNonMinimalLength);
    header = 4;
  } else if (length == 127) {
    if (data.size() < 10) return f;
    length = 0;
    for (int i = 2; i < 10; ++i)
      length = (length << 8) | static_cast<std::uint8_t>(data[static_cast<std::size_t>(i)]);
    if (length >> 63) return fail(WsError::kTooLarge);
    if (length <= 0xffff) return fail(WsError::kNonMinimalLength);
    header = 10;
  }
  if (length > max_payload) return fail(WsError::kTooLarge);
  if (data.size() - header < length) return f;
  f.payload = data.substr(header, static_cast<std::size_t>(length));
  f.total_bytes = header + static_cast<std::size_t>(length);
  f.state = WsFrame::State::kComplete;
  return f;
}

void append_client_frame(std::string& out, WsOpcode opcode, std::string_view payload,
                         std::uint32_t mask_key) {
  const std::size_t n = payload.size();
  std::array<char, 14> header{};
  std::size_t h = 0;
  header[h++] = static_cast<char>(0x80 | static_cast<std::uint8_t>(opcode));
  if (n < 126) {
    header[h++] = static_cast<char>(0x80 | n);
  } else if (n <= 0xffff) {
    header[h++] = static_cast<char>(0x80 | 126);
    header[h++] = static_cast<char>((n >> 8) & 0xff);
    header[h++] = static_cast<char>(n & 0xff);
  } else {
    header[h++] = static_cast<char>(0x80 | 127);
    for (int shift = 56; shift >= 0; shift -= 8)
      header[h++] = static_cast<char>((static_cast<std::uint64_t>(n) >> shift) & 0xff);
  }
  std::array<char, 4> mask{};
  for (int i = 0; i < 4; ++i)
    mask[static_cast<std::size_t>(i)] = static_cast<char>((mask_key >> (24 - 8 * i)) & 0xff);
  std::memcpy(header.data() + h, mask.data(), 4);
  h += 4;
  const std::size_t start = out.size();
  out.append(header.data(), h);
  out.append(payload);
  // Mask 8 bytes at a time: the producer masks tens of MB/s.
  char* p = out.data() + start + h;
  std::uint64_t mask8 = 0;
  std::array<char, 8> m8{};
  for (std::size_t i = 0; i < 8; ++i)
    m8[i] = mask[i % 4];
  std::memcpy(&mask8, m8.data(), 8);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, p + i, 8);
    w ^= mask8;
    std::memcpy(p + i, &w, 8);
  }
  for (; i < n; ++i)
    p[i] = static_cast<char>(p[i] ^ mask[i % 4]);
}

std::string base64_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto byte = [&](std::size_t k) {
    return static_cast<std::uint32_t>(static_cast<std::uint8_t>(bytes[k]));
  };
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const std::uint32_t v = byte(i) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (rest == 2) {
    const std::uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string websocket_accept_for(std::string_view key) {
  static constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  std::string input(key);
  input += kGuid;
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int len = 0;
  EVP_Digest(input.data(), input.size(), digest.data(), &len, EVP_sha1(), nullptr);
  return base64_encode(std::string_view(reinterpret_cast<const char*>(digest.data()), len));
}

std::string websocket_handshake_request(std::string_view host, std::string_view path,
                                        std::string_view key) {
  std::string r;
  r.reserve(256);
  r += "GET ";
  r += path;
  r += " HTTP/1.1\r\nHost: ";
  r += host;
  r += "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ";
  r += key;
  r += "\r\nSec-WebSocket-Version: 13\r\n\r\n";
  return r;
}

}  // namespace trove::loadgen
