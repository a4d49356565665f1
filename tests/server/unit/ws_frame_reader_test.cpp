#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "net/ws/frame_reader.hpp"
#include "ws_frames.hpp"

namespace trove::net::ws {
namespace {

using namespace testing;  // NOLINT(google-build-using-namespace): the test helpers
using Kind = Event::Kind;

std::vector<Seen> one(const Seen& seen) {
  return {seen};
}

TEST(WsFrameReader, ReadsMessagesOfEveryLengthEncoding) {
  for (const std::size_t size : {0, 1, 125, 126, 127, 65535, 65536, 200000}) {
    const std::string payload(size, 'a');
    EXPECT_EQ(read_all(text(payload)), one(message(payload))) << size;
  }
  EXPECT_EQ(read_all(client_frame(kFin | kBinary, "\xff\x00")), one(message("\xff", false)));
}

TEST(WsFrameReader, ReadsEveryFrameOfOneBufferInOrderWhateverTheReadSize) {
  std::string input;
  std::vector<Seen> want;
  for (int i = 0; i < 50; ++i) {
    const std::string payload = "message " + std::to_string(i) + std::string(i * 7, 'x');
    input += text(payload);
    want.push_back(message(payload));
  }
  for (const std::size_t read_size : {0, 1, 2, 3, 7, 64, 1000})
    EXPECT_EQ(read_all(input, read_size), want) << read_size;
}

TEST(WsFrameReader, JoinsFragmentsInPlaceAroundControlFrames) {
  const std::string input = client_frame(kText, "{\"a\"") + client_frame(kFin | kPing, "p") +
                            client_frame(kContinuation, "") + client_frame(kFin | kPong, "q") +
                            client_frame(kFin | kContinuation, ":1}");
  const std::vector<Seen> want = {
      {Kind::kPing, false, "p", 0}, {Kind::kPong, false, "q", 0}, message("{\"a\":1}")};
  for (const std::size_t read_size : {0, 1, 5})
    EXPECT_EQ(read_all(input, read_size), want) << read_size;
}

TEST(WsFrameReader, UnmasksLikeTheByteAtATimeRule) {
  for (std::size_t n = 0; n < 40; ++n) {
    std::string payload;
    for (std::size_t i = 0; i < n; ++i)
      payload.push_back(static_cast<char>(i * 37));
    std::string masked = payload;
    const unsigned char key[4] = {0xA1, 0x00, 0x7F, 0xFE};
    for (std::size_t i = 0; i < n; ++i)
      masked[i] = static_cast<char>(masked[i] ^ key[i % 4]);
    unmask(masked.data(), masked.size(), key);
    EXPECT_EQ(masked, payload) << n;
  }
}

TEST(WsFrameReader, FailsEveryReservedBitOpcodeAndUnmaskedFrameWith1002) {
  for (const std::uint8_t rsv : {0x10, 0x20, 0x40, 0x70})
    EXPECT_EQ(read_all(client_frame(kFin | rsv | kText, "x")), one(failure(1002))) << int(rsv);
  for (std::uint8_t opcode = 3; opcode < 16; ++opcode) {
    if (opcode >= kClose && opcode <= kPong) continue;
    EXPECT_EQ(read_all(client_frame(kFin | opcode, "")), one(failure(1002))) << int(opcode);
  }
  FrameSpec unmasked;
  unmasked.masked = false;
  EXPECT_EQ(read_all(client_frame(kFin | kText, "x", unmasked)), one(failure(1002)));
  EXPECT_EQ(read_all(client_frame(kFin | kPing, "x", unmasked)), one(failure(1002)));
}

TEST(WsFrameReader, FailsNonMinimalLengthsAndTheTopBitWith1002) {
  FrameSpec spec;
  spec.length_bytes = 2;
  EXPECT_EQ(read_all(client_frame(kFin | kText, "short", spec)), one(failure(1002)));
  spec.length_bytes = 8;
  EXPECT_EQ(read_all(client_frame(kFin | kText, std::string(300, 'a'), spec)), one(failure(1002)));
  std::string top_bit = "\x81\xff\x80";
  top_bit += std::string(7, '\0') + "keyx";
  EXPECT_EQ(read_all(top_bit), one(failure(1002)));
}

TEST(WsFrameReader, FailsFragmentedOrLongControlFramesWith1002) {
  EXPECT_EQ(read_all(client_frame(kPing, "p")), one(failure(1002)));
  EXPECT_EQ(read_all(client_frame(kPong, "p")), one(failure(1002)));
  EXPECT_EQ(read_all(client_frame(kFin | kPing, std::string(126, 'p'))), one(failure(1002)));
  EXPECT_EQ(read_all(client_frame(kFin | kPing, std::string(125, 'p'))),
            one({Kind::kPing, false, std::string(125, 'p'), 0}));
}

TEST(WsFrameReader, FailsContinuationsOutOfPlaceWith1002) {
  EXPECT_EQ(read_all(client_frame(kFin | kContinuation, "x")), one(failure(1002)));
  EXPECT_EQ(read_all(text("a") + client_frame(kFin | kContinuation, "x")),
            std::vector<Seen>({message("a"), failure(1002)}));
  EXPECT_EQ(read_all(client_frame(kText, "a") + text("b")), one(failure(1002)));
}

TEST(WsFrameReader, FailsAMessageOverTheLimitFromItsHeaderAlone) {
  const ReaderLimits limits{100};
  EXPECT_EQ(read_all(text(std::string(100, 'a')), 0, limits), one(message(std::string(100, 'a'))));
  // Only the header: the failure needs no payload.
  const std::string header = text(std::string(101, 'a')).substr(0, 6);
  EXPECT_EQ(read_all(header, 0, limits), one(failure(1009)));
  const std::string fragments = client_frame(kText, std::string(60, 'a')) +
                                client_frame(kFin | kContinuation, std::string(41, 'a'));
  EXPECT_EQ(read_all(fragments, 0, limits), one(failure(1009)));
}

TEST(WsFrameReader, WantsTheWholeFrameAndCompactsToTheMessageBegun) {
  FrameReader reader(ReaderLimits{});
  std::string buffer = text("a") + client_frame(kText, std::string(10, 'b')) +
                       client_frame(kFin | kPing, "ping") +
                       client_frame(kFin | kContinuation, std::string(1000, 'c'));
  buffer.resize(buffer.size() - 500);
  EXPECT_EQ(reader.next(buffer.data(), buffer.size()).kind, Kind::kMessage);
  EXPECT_EQ(reader.next(buffer.data(), buffer.size()).kind, Kind::kPing);
  EXPECT_EQ(reader.next(buffer.data(), buffer.size()).kind, Kind::kNeedMore);
  EXPECT_TRUE(reader.in_message());
  // The 10 bytes begun, then the last frame: 4 header bytes, 4 key, 1000.
  EXPECT_EQ(reader.wanted(), 10U + 8U + 1000U);
  buffer.resize(reader.compact(buffer.data(), buffer.size()));
  EXPECT_EQ(buffer.substr(0, 10), std::string(10, 'b'));
  EXPECT_EQ(reader.taken(), 10U);
}

TEST(WsFrameReader, ManyTinyFragmentsWithPingsKeepTheCompactedBufferSmall) {
  FrameReader reader(ReaderLimits{});
  std::string buffer;
  std::size_t largest = 0;
  for (int i = 0; i < 5000; ++i) {
    buffer += client_frame(i == 0 ? kText : kContinuation, "x") + client_frame(kFin | kPing, "");
    while (reader.next(buffer.data(), buffer.size()).kind != Kind::kNeedMore) {
    }
    buffer.resize(reader.compact(buffer.data(), buffer.size()));
    largest = std::max(largest, buffer.size());
  }
  EXPECT_EQ(largest, 5000U);  // the message's bytes and nothing else
  buffer += client_frame(kFin | kContinuation, "");
  const Event e = reader.next(buffer.data(), buffer.size());
  EXPECT_EQ(e.kind, Kind::kMessage);
  EXPECT_EQ(e.payload, std::string(5000, 'x'));
}

TEST(WsFrameReader, ChecksUtf8FragmentByFragment) {
  const std::string valid = "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5 \xf0\x9f\x98\x80";
  for (std::size_t cut = 0; cut <= valid.size(); ++cut) {
    const std::string input = client_frame(kText, valid.substr(0, cut)) +
                              client_frame(kFin | kContinuation, valid.substr(cut));
    EXPECT_EQ(read_all(input), one(message(valid))) << cut;
  }
  // Fails on the first fragment: the message never ends.
  EXPECT_EQ(read_all(client_frame(kText, "ok \xed\xa0\x80")), one(failure(1007)));
  EXPECT_EQ(read_all(text("ends inside \xe2\x82")), one(failure(1007)));
  EXPECT_EQ(read_all(client_frame(kText, "\xf0\x9f") + client_frame(kFin | kContinuation, "A")),
            one(failure(1007)));
  EXPECT_EQ(read_all(client_frame(kFin | kBinary, "\xff\xfe")), one(message("\xff\xfe", false)));
}

TEST(WsFrameReader, ReadsClosesAndFailsBadOnes) {
  EXPECT_EQ(read_all(client_frame(kFin | kClose, "")), one({Kind::kClose, false, "", 0}));
  EXPECT_EQ(read_all(client_frame(kFin | kClose,
                                  "\x03\xe8"
                                  "bye")),
            one({Kind::kClose, false, "bye", 1000}));
  EXPECT_EQ(read_all(client_frame(kFin | kClose, "\x0f\xa0")),
            one({Kind::kClose, false, "", 4000}));
  EXPECT_EQ(read_all(client_frame(kFin | kClose, "\x03")), one(failure(1002)));
  for (const std::uint16_t code : {0, 999, 1004, 1005, 1006, 1014, 1015, 1016, 2999, 5000, 65535}) {
    const std::string payload = {static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
    EXPECT_EQ(read_all(client_frame(kFin | kClose, payload)), one(failure(1002))) << code;
  }
  EXPECT_EQ(read_all(client_frame(kFin | kClose, "\x03\xe8\xff")), one(failure(1007)));
  // Nothing after the close is read.
  EXPECT_EQ(read_all(client_frame(kFin | kClose, "") + text("late")),
            one({Kind::kClose, false, "", 0}));
}

TEST(WsCloseCode, AllowsWhatAPeerMaySend) {
  for (const std::uint16_t code :
       {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 3000, 3999, 4000, 4999})
    EXPECT_TRUE(is_valid_close_code(code)) << code;
  for (const std::uint16_t code : {0, 999, 1004, 1005, 1006, 1014, 1015, 1016, 2000, 2999, 5000})
    EXPECT_FALSE(is_valid_close_code(code)) << code;
}

}  // namespace
}  // namespace trove::net::ws
