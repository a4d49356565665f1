#include "net/change_feed.hpp"

#include <chrono>

namespace trove::net {

namespace {
// Positions a process may hand out per microsecond of its life and still
// start its successor above them (change_feed.hpp): 2 M stored boxes a
// second on average, above the ingest rate trove is sized for (1.2 M/s),
// while 2 × the epoch's microseconds stays below 2^53 until 2112.
constexpr std::uint64_t kPositionsPerMicrosecond = 2;

std::uint64_t first_position() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
  return static_cast<std::uint64_t>(micros) * kPositionsPerMicrosecond;
}
}  // namespace

ChangeFeed::ChangeFeed() : base_(first_position()), position_(base_) {}

}  // namespace trove::net
