#include "net/peer_connections.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

namespace trove::net {
namespace {

using boost::asio::ip::make_address;

TEST(PeerConnections, APeerIsRefusedAtItsCapAndAdmittedAgainAfterAClose) {
  PeerConnections table(2);
  std::optional<PeerSlot> a = table.admit(make_address("10.0.0.1"));
  std::optional<PeerSlot> b = table.admit(make_address("10.0.0.1"));
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(table.admit(make_address("10.0.0.1")));
  EXPECT_TRUE(table.admit(make_address("10.0.0.2")));  // released at once: a temporary
  a.reset();
  EXPECT_TRUE(table.admit(make_address("10.0.0.1")));
}

TEST(PeerConnections, EntriesLiveOnlyWhileTheirPeerHasAConnection) {
  PeerConnections table(4);
  std::vector<PeerSlot> held;
  for (int i = 0; i < 1000; ++i) {
    held.push_back(*table.admit(
        make_address("10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250))));
  }
  EXPECT_EQ(table.peers(), 1000u);
  held.clear();
  EXPECT_EQ(table.peers(), 0u);
}

TEST(PeerConnections, AMovedSlotIsReleasedOnce) {
  PeerConnections table(1);
  std::optional<PeerSlot> first = table.admit(make_address("10.0.0.1"));
  ASSERT_TRUE(first);
  PeerSlot moved = std::move(*first);
  first.reset();  // the moved-from slot releases nothing
  EXPECT_FALSE(table.admit(make_address("10.0.0.1")));
  moved = PeerSlot();
  EXPECT_EQ(table.peers(), 0u);
}

TEST(PeerConnections, IPv6CountsPerSlash64AndMappedIPv4AsIPv4) {
  EXPECT_EQ(peer_key_of(make_address("2001:db8:1:2::1")),
            peer_key_of(make_address("2001:db8:1:2:ffff:ffff:ffff:ffff")));
  EXPECT_NE(peer_key_of(make_address("2001:db8:1:2::1")),
            peer_key_of(make_address("2001:db8:1:3::1")));
  EXPECT_EQ(peer_key_of(make_address("::ffff:10.0.0.1")), peer_key_of(make_address("10.0.0.1")));
  // An IPv4 address and an IPv6 prefix with the same bits are different peers.
  EXPECT_NE(peer_key_of(make_address("0.0.0.1")), peer_key_of(make_address("0:0:0:1::")));
  PeerConnections table(1);
  std::optional<PeerSlot> one = table.admit(make_address("2001:db8::1"));
  ASSERT_TRUE(one);
  EXPECT_FALSE(table.admit(make_address("2001:db8::2")));
}

}  // namespace
}  // namespace trove::net
