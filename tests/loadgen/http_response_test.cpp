#include "http_response.hpp"

#include <gtest/gtest.h>

#include <string>

namespace trove::loadgen {
namespace {

using State = HttpResponse::State;
using namespace std::string_literals;

const std::string kOk =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5\r\n"
    "ETag: \"3\"\r\n\r\nhello";

TEST(HttpResponse, ParsesACompleteResponse) {
  const auto r = parse_http_response(kOk);
  ASSERT_EQ(r.state, State::kComplete);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello");
  EXPECT_EQ(r.total_bytes, kOk.size());
  EXPECT_FALSE(r.connection_close);
}

TEST(HttpResponse, EveryPrefixNeedsMore) {
  for (std::size_t n = 0; n < kOk.size(); ++n)
    ASSERT_EQ(parse_http_response(kOk.substr(0, n)).state, State::kNeedMore) << "prefix " << n;
}

TEST(HttpResponse, ConsumesOnlyItsOwnBytesWhenPipelined) {
  const std::string two = kOk + kOk;
  const auto r = parse_http_response(two);
  ASSERT_EQ(r.state, State::kComplete);
  EXPECT_EQ(r.total_bytes, kOk.size());
}

TEST(HttpResponse, NotModifiedAndNoContentHaveNoBody) {
  const auto r = parse_http_response("HTTP/1.1 304 Not Modified\r\nETag: \"3\"\r\n\r\nNEXT");
  ASSERT_EQ(r.state, State::kComplete);
  EXPECT_EQ(r.status, 304);
  EXPECT_EQ(r.total_bytes, std::string("HTTP/1.1 304 Not Modified\r\nETag: \"3\"\r\n\r\n").size());
  EXPECT_EQ(parse_http_response("HTTP/1.1 204 No Content\r\n\r\n").state, State::kComplete);
}

TEST(HttpResponse, SwitchingProtocolsExposesUpgradeHeaders) {
  const auto r = parse_http_response(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
  ASSERT_EQ(r.state, State::kComplete);
  EXPECT_EQ(r.status, 101);
  EXPECT_EQ(r.upgrade, "websocket");
  EXPECT_EQ(r.websocket_accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(HttpResponse, HeaderNamesAreCaseInsensitive) {
  const auto r = parse_http_response("HTTP/1.1 200 OK\r\ncOnTeNt-LeNgTh:   2  \r\n\r\nab");
  ASSERT_EQ(r.state, State::kComplete);
  EXPECT_EQ(r.body, "ab");
}

TEST(HttpResponse, ConnectionCloseAndHttp10AreReported) {
  EXPECT_TRUE(parse_http_response("HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\n"
                                  "Content-Length: 0\r\n\r\n")
                  .connection_close);
  EXPECT_TRUE(parse_http_response("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").connection_close);
  EXPECT_FALSE(parse_http_response("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n"
                                   "Content-Length: 0\r\n\r\n")
                   .connection_close);
}

struct Hostile {
  const char* name;
  std::string text;
  HttpError error;
};

class HttpResponseHostile : public ::testing::TestWithParam<Hostile> {};

TEST_P(HttpResponseHostile, IsRefusedWithTheRightReason) {
  const auto r = parse_http_response(GetParam().text);
  ASSERT_EQ(r.state, State::kError) << GetParam().name;
  EXPECT_EQ(r.error, GetParam().error) << GetParam().name << ": " << to_string(r.error);
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, HttpResponseHostile,
    ::testing::Values(
        Hostile{"garbage_first_bytes", "SSH-2.0-OpenSSH", HttpError::kBadStatusLine},
        Hostile{"http2_preface", "HTTP/2 200\r\n\r\n", HttpError::kBadStatusLine},
        Hostile{"short_status", "HTTP/1.1 20 OK\r\n\r\n", HttpError::kBadStatusLine},
        Hostile{"letters_in_status", "HTTP/1.1 2x0 OK\r\n\r\n", HttpError::kBadStatusLine},
        Hostile{"status_below_100", "HTTP/1.1 099 Odd\r\n\r\n", HttpError::kBadStatusLine},
        Hostile{"no_space_after_status", "HTTP/1.1 200OK\r\n\r\n", HttpError::kBadStatusLine},
        Hostile{"header_without_colon", "HTTP/1.1 200 OK\r\nContent-Length 5\r\n\r\nhello",
                HttpError::kBadHeader},
        Hostile{"empty_header_name", "HTTP/1.1 200 OK\r\n: x\r\n\r\n", HttpError::kBadHeader},
        Hostile{"space_in_header_name", "HTTP/1.1 200 OK\r\nContent Length: 1\r\n\r\nx",
                HttpError::kBadHeader},
        Hostile{"nul_in_header", "HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n"s, HttpError::kBadHeader},
        Hostile{"negative_length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
                HttpError::kBadLength},
        Hostile{"length_with_junk", "HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\nhello",
                HttpError::kBadLength},
        Hostile{"empty_length", "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n",
                HttpError::kBadLength},
        Hostile{"overflowing_length",
                "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
                HttpError::kBadLength},
        Hostile{"contradictory_lengths",
                "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
                HttpError::kBadLength},
        Hostile{"huge_body", "HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\n",
                HttpError::kBodyTooLarge},
        Hostile{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
                HttpError::kUnsupported},
        Hostile{"body_until_close", "HTTP/1.1 200 OK\r\n\r\nhello", HttpError::kUnsupported},
        Hostile{"endless_headers", "HTTP/1.1 200 OK\r\n" + std::string(20000, 'a'),
                HttpError::kHeaderTooLarge}),
    [](const auto& test_info) { return std::string(test_info.param.name); });

TEST(HttpResponse, DuplicateEqualLengthsAreAccepted) {
  const auto r =
      parse_http_response("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab");
  EXPECT_EQ(r.state, State::kComplete);
}

TEST(HttpResponse, LimitsAreConfigurable) {
  HttpLimits tight;
  tight.max_body_bytes = 4;
  EXPECT_EQ(parse_http_response(kOk, tight).error, HttpError::kBodyTooLarge);
  tight = {};
  tight.max_header_bytes = 20;
  EXPECT_EQ(parse_http_response(kOk, tight).error, HttpError::kHeaderTooLarge);
}

}  // namespace
}  // namespace trove::loadgen
