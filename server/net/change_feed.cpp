#include "net/change_feed.hpp"

#include <chrono>

namespace trove::net {

namespace {
std::uint64_t wall_clock_nanos() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(now).count());
}
}  // namespace

ChangeFeed::ChangeFeed() : base_(wall_clock_nanos()), position_(base_) {}

}  // namespace trove::net
