// WsSendQueue: messages in order, each a copy, with the buffers of written
// ones reused (no allocation per message in a steady loop).
#include "net/ws_send_queue.hpp"

#include <gtest/gtest.h>

#include <string>

namespace trove::net {
namespace {

TEST(WsSendQueue, KeepsOrderAndCopiesTheMessage) {
  WsSendQueue queue;
  std::string message = "first";
  queue.push(message);
  message = "second";
  queue.push(message);
  EXPECT_EQ(queue.size(), 2U);
  EXPECT_EQ(queue.front(), "first");
  queue.pop();
  EXPECT_EQ(queue.front(), "second");
  queue.pop();
  EXPECT_TRUE(queue.empty());
}

TEST(WsSendQueue, ReusesTheBufferOfAWrittenMessage) {
  WsSendQueue queue;
  queue.push(std::string(1000, 'x'));
  const char* buffer = queue.front().data();
  queue.pop();
  queue.push("short");
  EXPECT_EQ(queue.front().data(), buffer);
  EXPECT_EQ(queue.front(), "short");
}

TEST(WsSendQueue, ClearDropsWhatIsUnwritten) {
  WsSendQueue queue;
  for (int i = 0; i < 3; ++i)
    queue.push("m");
  queue.clear();
  EXPECT_TRUE(queue.empty());
}

}  // namespace
}  // namespace trove::net
