// Polls a condition until it holds or a deadline passes: for tests that
// watch another thread (an informer, a lease, a worker queue) reach a state.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace trove::test_support {

// True once `condition` holds; checked every `poll` until `timeout`, and once
// more at the deadline so a state reached just then still counts.
inline bool wait_for(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                     std::chrono::milliseconds poll = std::chrono::milliseconds(2)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(poll);
  }
  return condition();
}

}  // namespace trove::test_support
