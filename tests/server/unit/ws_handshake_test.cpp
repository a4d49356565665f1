#include "net/ws_handshake.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

namespace trove::net {
namespace {

TEST(WebSocketKey, AcceptsTheBase64OfSixteenBytes) {
  EXPECT_TRUE(is_websocket_key("dGhlIHNhbXBsZSBub25jZQ=="));  // RFC 6455's example
  EXPECT_TRUE(is_websocket_key("AAAAAAAAAAAAAAAAAAAAAA=="));
  EXPECT_TRUE(is_websocket_key("+/+/+/+/+/+/+/+/+/+/zw=="));
}

TEST(WebSocketKey, RefusesEmptyShortLongUnpaddedOrForeignCharacters) {
  for (const std::string& bad : std::initializer_list<std::string>{
           "", "short",
           "dGhlIHNhbXBsZSBub25jZQ=", "dGhlIHNhbXBsZSBub25jZQ===", "dGhlIHNhbXBsZSBub25jZQAA",
           "dGhlIHNhbXBsZSBub25jZ!==", "dGhlIHNhbXBsZSBub25j Q==", std::string(24, '!'),
           std::string("dGhlIHNhbXBsZSBub25jZ\0==", 24)}) {
    EXPECT_FALSE(is_websocket_key(bad)) << bad;
  }
}

}  // namespace
}  // namespace trove::net
