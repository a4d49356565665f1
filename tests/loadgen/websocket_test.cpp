#include "websocket.hpp"

#include <gtest/gtest.h>

#include <string>

namespace trove::loadgen {
namespace {

using State = WsFrame::State;

std::string server_frame(std::uint8_t b0, std::string_view payload) {
  std::string f;
  f += static_cast<char>(b0);
  const std::size_t n = payload.size();
  if (n < 126) {
    f += static_cast<char>(n);
  } else if (n <= 0xffff) {
    f += static_cast<char>(126);
    f += static_cast<char>(n >> 8);
    f += static_cast<char>(n & 0xff);
  } else {
    f += static_cast<char>(127);
    for (int s = 56; s >= 0; s -= 8)
      f += static_cast<char>((n >> s) & 0xff);
  }
  f += payload;
  return f;
}

TEST(WebSocket, AcceptMatchesRfc6455Example) {
  // RFC 6455 section 1.3.
  EXPECT_EQ(websocket_accept_for("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WebSocket, Base64MatchesRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(WebSocket, HandshakeRequestCarriesTheRequiredHeaders) {
  const auto r = websocket_handshake_request("127.0.0.1", "/v1/ws", "abc==");
  EXPECT_EQ(r.rfind("GET /v1/ws HTTP/1.1\r\n", 0), 0u);
  EXPECT_NE(r.find("\r\nUpgrade: websocket\r\n"), std::string::npos);
  EXPECT_NE(r.find("\r\nConnection: Upgrade\r\n"), std::string::npos);
  EXPECT_NE(r.find("\r\nSec-WebSocket-Key: abc==\r\n"), std::string::npos);
  EXPECT_NE(r.find("\r\nSec-WebSocket-Version: 13\r\n"), std::string::npos);
  EXPECT_EQ(r.substr(r.size() - 4), "\r\n\r\n");
}

// Unmasks a client frame the way a server does, to check what we send.
std::string unmask(const std::string& frame, std::size_t* header_out = nullptr) {
  const auto b1 = static_cast<std::uint8_t>(frame[1]);
  EXPECT_TRUE(b1 & 0x80) << "client frames must be masked";
  std::uint64_t n = b1 & 0x7f;
  std::size_t h = 2;
  if (n == 126) {
    n = (static_cast<std::uint64_t>(static_cast<std::uint8_t>(frame[2])) << 8) |
        static_cast<std::uint8_t>(frame[3]);
    h = 4;
  } else if (n == 127) {
    n = 0;
    for (int i = 2; i < 10; ++i)
      n = (n << 8) | static_cast<std::uint8_t>(frame[i]);
    h = 10;
  }
  const std::string mask = frame.substr(h, 4);
  h += 4;
  if (header_out) *header_out = h;
  EXPECT_EQ(frame.size(), h + n);
  std::string out = frame.substr(h);
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<char>(out[i] ^ mask[i % 4]);
  return out;
}

TEST(WebSocket, ClientFramesAreMaskedAndRoundTrip) {
  for (const std::size_t n : {0u, 1u, 7u, 8u, 125u, 126u, 65535u, 65536u, 100000u}) {
    std::string payload(n, '\0');
    for (std::size_t i = 0; i < n; ++i)
      payload[i] = static_cast<char>('a' + i % 26);
    std::string frame;
    append_client_frame(frame, WsOpcode::kText, payload, 0xdeadbeef);
    EXPECT_EQ(static_cast<std::uint8_t>(frame[0]), 0x81) << n;
    EXPECT_EQ(unmask(frame), payload) << n;
    if (n >= 8) {
      EXPECT_NE(frame.substr(frame.size() - n), payload) << "payload not masked";
    }
  }
}

TEST(WebSocket, AppendingKeepsEarlierFrames) {
  std::string out = "xyz";
  append_client_frame(out, WsOpcode::kPong, "p", 1);
  EXPECT_EQ(out.substr(0, 3), "xyz");
  EXPECT_EQ(static_cast<std::uint8_t>(out[3]), 0x8A);
}

TEST(WebSocket, DecodesServerFramesOfEveryLengthForm) {
  for (const std::size_t n : {0u, 125u, 126u, 65535u, 65536u}) {
    const std::string payload(n, 'z');
    const std::string f = server_frame(0x81, payload);
    const auto d = decode_server_frame(f, 1 << 20);
    ASSERT_EQ(d.state, State::kComplete) << n;
    EXPECT_TRUE(d.fin);
    EXPECT_EQ(d.opcode, WsOpcode::kText);
    EXPECT_EQ(d.payload.size(), n);
    EXPECT_EQ(d.total_bytes, f.size());
    for (std::size_t k = 0; k < f.size(); k += 1 + f.size() / 50)
      ASSERT_EQ(decode_server_frame(std::string_view(f).substr(0, k), 1 << 20).state,
                State::kNeedMore)
          << "prefix " << k << " of " << n;
  }
}

TEST(WebSocket, FragmentsAndControlFramesDecode) {
  const std::string first_bytes = server_frame(0x01, "ab");  // payload views point into it
  const auto first = decode_server_frame(first_bytes, 100);
  ASSERT_EQ(first.state, State::kComplete);
  EXPECT_FALSE(first.fin);
  EXPECT_EQ(first.payload, "ab");
  const std::string ping_bytes = server_frame(0x89, "hi");
  const auto ping = decode_server_frame(ping_bytes, 100);
  ASSERT_EQ(ping.state, State::kComplete);
  EXPECT_EQ(ping.opcode, WsOpcode::kPing);
  EXPECT_EQ(ping.payload, "hi");
}

struct BadFrame {
  const char* name;
  std::string bytes;
  WsError error;
};

class WebSocketHostile : public ::testing::TestWithParam<BadFrame> {};

TEST_P(WebSocketHostile, IsRefusedWithTheRightReason) {
  const auto d = decode_server_frame(GetParam().bytes, 1000);
  ASSERT_EQ(d.state, State::kError) << GetParam().name;
  EXPECT_EQ(d.error, GetParam().error) << to_string(d.error);
}

std::string raw(std::initializer_list<int> bytes) {
  std::string s;
  for (const int b : bytes)
    s += static_cast<char>(b);
  return s;
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, WebSocketHostile,
    ::testing::Values(
        BadFrame{"rsv1_set", raw({0xC1, 0x00}), WsError::kReservedBits},
        BadFrame{"rsv3_set", raw({0x91, 0x00}), WsError::kReservedBits},
        BadFrame{"opcode_3", raw({0x83, 0x00}), WsError::kBadOpcode},
        BadFrame{"opcode_F", raw({0x8F, 0x00}), WsError::kBadOpcode},
        BadFrame{"masked_by_server", raw({0x81, 0x81, 1, 2, 3, 4, 'x'}), WsError::kMaskedByServer},
        BadFrame{"fragmented_ping", raw({0x09, 0x00}), WsError::kBadControl},
        BadFrame{"long_close", raw({0x88, 126, 0x00, 0x80}), WsError::kBadControl},
        BadFrame{"non_minimal_16", raw({0x81, 126, 0x00, 0x05}), WsError::kNonMinimalLength},
        BadFrame{"non_minimal_64", raw({0x81, 127, 0, 0, 0, 0, 0, 0, 0x01, 0x00}),
                 WsError::kNonMinimalLength},
        BadFrame{"length_msb_set", raw({0x81, 127, 0x80, 0, 0, 0, 0, 0, 0, 0}), WsError::kTooLarge},
        BadFrame{"over_limit", raw({0x81, 126, 0x10, 0x00}), WsError::kTooLarge},
        BadFrame{"petabyte", raw({0x82, 127, 0, 0x04, 0, 0, 0, 0, 0, 0}), WsError::kTooLarge}),
    [](const auto& test_info) { return std::string(test_info.param.name); });

}  // namespace
}  // namespace trove::loadgen
