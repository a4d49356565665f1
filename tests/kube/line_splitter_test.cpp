// The watch body arrives in arbitrary chunks; these pin down that events are
// reassembled exactly, whatever the chunking.
#include "kube/line_splitter.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace trove::kube {
namespace {

std::vector<std::string> feed_all(LineSplitter& s, const std::vector<std::string>& chunks) {
  std::vector<std::string> lines;
  for (const auto& c : chunks)
    s.feed(c, [&](std::string_view l) { lines.emplace_back(l); });
  return lines;
}

TEST(LineSplitter, EventSpanningSeveralChunksIsReassembled) {
  LineSplitter s;
  auto lines = feed_all(s, {R"({"type":"ADD)", R"(ED","object":)", R"({"a":1}})", "\n"});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], R"({"type":"ADDED","object":{"a":1}})");
  EXPECT_EQ(s.pending(), 0u);
}

TEST(LineSplitter, ChunkHoldingSeveralEventsYieldsEachInOrder) {
  LineSplitter s;
  auto lines = feed_all(s, {"{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n{\"n\":"});
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "{\"n\":1}");
  EXPECT_EQ(lines[2], "{\"n\":3}");
  EXPECT_EQ(s.pending(), 5u) << "the partial fourth event must wait for its rest";
  lines = feed_all(s, {"4}\n"});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "{\"n\":4}");
}

TEST(LineSplitter, EveryByteSplitGivesTheSameEvents) {
  const std::string body = "{\"a\":1}\n{\"b\":\"x\\ny\"}\r\n\n{\"c\":3}\n";
  for (std::size_t cut = 0; cut <= body.size(); ++cut) {
    for (std::size_t cut2 = cut; cut2 <= body.size(); ++cut2) {
      LineSplitter s;
      auto lines =
          feed_all(s, {body.substr(0, cut), body.substr(cut, cut2 - cut), body.substr(cut2)});
      ASSERT_EQ(lines.size(), 3u) << "cuts " << cut << "," << cut2;
      EXPECT_EQ(lines[1], "{\"b\":\"x\\ny\"}") << "CRLF and escaped newline kept intact";
    }
  }
}

TEST(LineSplitter, SingleByteChunks) {
  const std::string body = "{\"type\":\"BOOKMARK\"}\n{\"type\":\"ADDED\"}\n";
  LineSplitter s;
  std::vector<std::string> lines;
  for (char c : body)
    s.feed({&c, 1}, [&](std::string_view l) { lines.emplace_back(l); });
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1], "{\"type\":\"ADDED\"}");
}

TEST(LineSplitter, EmptyLinesAreSkipped) {
  LineSplitter s;
  auto lines = feed_all(s, {"\n\n\r\n{}\n\n"});
  ASSERT_EQ(lines.size(), 1u);
}

TEST(LineSplitter, OversizedEventIsRefusedAcrossChunks) {
  LineSplitter s(16);
  std::vector<std::string> lines;
  auto sink = [&](std::string_view l) { lines.emplace_back(l); };
  s.feed("0123456789", sink);
  EXPECT_THROW(s.feed("0123456789", sink), std::length_error);
  EXPECT_EQ(s.pending(), 0u) << "the splitter resets after refusing";
  s.feed("ok\n", sink);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "ok");
}

TEST(LineSplitter, OversizedEventInsideOneChunkIsRefused) {
  LineSplitter s(8);
  EXPECT_THROW(s.feed("0123456789abcdef\n", [](std::string_view) {}), std::length_error);
}

TEST(LineSplitter, ThrowingConsumerLeavesSplitterReusable) {
  LineSplitter s;
  s.feed("{\"a\"", [](std::string_view) {});
  EXPECT_THROW(s.feed(":1}\n", [](std::string_view) { throw std::runtime_error("x"); }),
               std::runtime_error);
  EXPECT_EQ(s.pending(), 0u);
}

}  // namespace
}  // namespace trove::kube
