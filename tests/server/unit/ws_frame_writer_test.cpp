#include <gtest/gtest.h>

#include <string>

#include "net/ws/frame_writer.hpp"

namespace trove::net::ws {
namespace {

TEST(WsFrameWriter, UsesTheMinimalLengthEncoding) {
  for (const std::size_t size : {0, 125, 126, 65535, 65536, 1 << 20}) {
    std::string out;
    append_frame(out, Opcode::kText, std::string(size, 'a'));
    EXPECT_EQ(out.size(), frame_header_size(size) + size) << size;
    EXPECT_EQ(static_cast<unsigned char>(out[0]), 0x81) << size;  // FIN, text, no RSV
    const auto length7 = static_cast<unsigned char>(out[1]);
    EXPECT_EQ(length7 & 0x80, 0) << "a server frame is never masked";
    EXPECT_EQ(length7, size <= 125 ? size : size <= 65535 ? 126U : 127U) << size;
  }
  std::string out;
  append_frame_header(out, Opcode::kBinary, 300);
  EXPECT_EQ(out, std::string("\x82\x7e\x01\x2c", 4));
}

TEST(WsFrameWriter, AppendsFramesOneAfterAnother) {
  std::string out;
  append_frame(out, Opcode::kText, "a");
  append_frame(out, Opcode::kPong, "p");
  EXPECT_EQ(out, std::string("\x81\x01"
                             "a"
                             "\x8a\x01"
                             "p",
                             6));
}

TEST(WsFrameWriter, CutsACloseReasonAtACodePointBoundary) {
  std::string out;
  append_close(out, 1000, "bye");
  EXPECT_EQ(out, std::string("\x88\x05\x03\xe8"
                             "bye",
                             7));
  // 122 ASCII bytes then a 2-byte code point: byte 123 would cut it in two.
  const std::string reason = std::string(122, 'r') + "\xce\xba" + "tail";
  out.clear();
  append_close(out, 1001, reason);
  EXPECT_EQ(out.size(), 2U + 2U + 122U);
  EXPECT_EQ(out.substr(4), std::string(122, 'r'));
}

}  // namespace
}  // namespace trove::net::ws
