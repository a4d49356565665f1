// A worker's change inbox: the changes any worker published for this
// worker's subscribers (change_feed.hpp), in position order, until the
// worker's thread takes them into its push tick (push_coalescer.hpp).
//
// Bounded without losing a change a subscriber must see: a push sends a
// box's latest state, and the push tick keeps only each box's latest
// position anyway, so past the bound the inbox drops every entry but each
// box's latest one (coalescing). What is left stays in position order, so
// the tick's pushes and their hunt positions are the same as without it.
// After coalescing, the inbox holds at most one entry per stored box (the
// store's fixed capacity); the next coalescing waits until it has doubled,
// which keeps the cost per change constant when most boxes are distinct.
// So an inbox never holds more than max(kCoalesceAt, 2 × --max-boxes)
// changes once an append returns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "net/change_feed.hpp"

namespace trove::net {

class ChangeInbox {
 public:
  // A worker that keeps up takes its inbox within one handler, far below
  // this many changes; 65536 changes are 1 MiB per worker. Past it the
  // worker is behind (a long ingest batch, a busy core) and coalescing
  // costs less than growing.
  static constexpr std::size_t kCoalesceAt = std::size_t{1} << 16;

  explicit ChangeInbox(std::size_t coalesce_at = kCoalesceAt);

  // Appends a batch in position order (the ChangeFeed's mutex held).
  // True when the inbox went past its bound and was coalesced.
  bool append(std::span<const Change> changes);
  // Moves the inbox into `out` (cleared first) and resets the bound (the
  // ChangeFeed's mutex held).
  void take(std::vector<Change>& out);
  [[nodiscard]] bool empty() const noexcept { return changes_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return changes_.size(); }
  // The size past which the next append coalesces: kCoalesceAt, or twice
  // the boxes left by the last coalescing.
  [[nodiscard]] std::size_t bound() const noexcept { return bound_; }

 private:
  void coalesce();

  std::size_t coalesce_at_;
  std::size_t bound_;
  std::vector<Change> changes_;
};

}  // namespace trove::net
