// The server's change order for hunt recovery (docs/api.md, Recovery).
//
// Every stored box gets a position: one counter for the whole process,
// advanced by each worker's published batch under one mutex, stamped into
// the box (store::BoxStore::set_change) and appended, in that same order,
// to the inbox of every worker with subscribers (change_inbox.hpp: past its
// bound, coalesced to each box's latest change). So each worker merges
// changes in position order, its push tick sends them in position order,
// and a client that saw a push at position P (after its hunt's `synced`)
// has been sent every change of its hunts at or below P: resubscribing
// with `since` P sends the hunt's boxes whose position is above P.
//
// Positions start at twice the wall clock's microseconds when the process
// starts (base): a restart that restores the same incarnation from
// --state-dir starts above every position the previous process handed out
// (as long as it stored fewer than two million boxes a second on average),
// and a position below base is one the server cannot recover from (it
// answers the whole state). Positions stay below 2^53 until the year 2112,
// so JavaScript clients hold them exactly in a number.
#pragma once

#include <cstdint>
#include <mutex>

namespace trove::net {

// One box's change, as the push tick receives it.
struct Change {
  std::uint64_t box = 0;
  std::uint64_t position = 0;
};

class ChangeFeed {
 public:
  ChangeFeed();
  ChangeFeed(const ChangeFeed&) = delete;
  ChangeFeed& operator=(const ChangeFeed&) = delete;

  // Held while a batch is stamped and handed to the workers' inboxes, and
  // while a worker takes its inbox.
  std::mutex& mutex() noexcept { return mutex_; }
  // The next position; mutex() held.
  std::uint64_t next() noexcept { return ++position_; }
  // The latest position handed out: every change at or below it is stamped
  // and in the inboxes of the workers that had subscribers then.
  std::uint64_t position() {
    const std::lock_guard lock(mutex_);
    return position_;
  }
  // The first position of this process is base() + 1.
  [[nodiscard]] std::uint64_t base() const noexcept { return base_; }

 private:
  std::mutex mutex_;
  std::uint64_t base_;
  std::uint64_t position_;
};

}  // namespace trove::net
