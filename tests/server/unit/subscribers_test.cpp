// Subscribers: who a box's push goes to (its box subscribers and its hunt's,
// each once), and the count other workers read to skip this one.
#include "net/subscribers.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace trove::net {
namespace {

// Never dereferenced: Subscribers only stores and compares the pointers.
WsClientProtocol* fake(std::uintptr_t n) {
  return reinterpret_cast<WsClientProtocol*>(n * alignof(std::max_align_t));
}

std::vector<WsClientProtocol*> sorted(std::vector<WsClientProtocol*> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(Subscribers, CollectsBoxAndHuntSubscribersEachOnce) {
  Subscribers subscribers;
  subscribers.subscribe_box(fake(1), 7);
  subscribers.subscribe_box(fake(2), 7);
  subscribers.subscribe_hunt(fake(2), "north");
  subscribers.subscribe_hunt(fake(3), "north");
  std::vector<WsClientProtocol*> out;
  subscribers.collect(7, "north", out);
  EXPECT_EQ(sorted(out), sorted({fake(1), fake(2), fake(3)}));
  subscribers.collect(8, "north", out);
  EXPECT_EQ(sorted(out), sorted({fake(2), fake(3)}));
  subscribers.collect(7, "", out);
  EXPECT_EQ(sorted(out), sorted({fake(1), fake(2)}));
  subscribers.collect(8, "south", out);
  EXPECT_TRUE(out.empty());
}

TEST(Subscribers, CountsEachSubscriptionOnceUntilUnsubscribed) {
  Subscribers subscribers;
  subscribers.subscribe_box(fake(1), 7);
  subscribers.subscribe_box(fake(1), 7);
  subscribers.subscribe_hunt(fake(1), "north");
  EXPECT_EQ(subscribers.count(), 2U);
  subscribers.unsubscribe_box(fake(1), 7);
  subscribers.unsubscribe_box(fake(1), 7);
  subscribers.unsubscribe_hunt(fake(2), "north");
  EXPECT_EQ(subscribers.count(), 1U);
  subscribers.unsubscribe_hunt(fake(1), "north");
  EXPECT_EQ(subscribers.count(), 0U);
  std::vector<WsClientProtocol*> out;
  subscribers.collect(7, "north", out);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace trove::net
