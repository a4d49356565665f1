// Ends a Manager's run: a signal, a lost lease, or a fatal error. The first
// request's exit code wins.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace trove::kube {

class ShutdownRequest {
 public:
  void request(int exit_code) {
    std::lock_guard lock(mutex_);
    if (!requested_) exit_code_ = exit_code;
    requested_ = true;
    cv_.notify_all();
  }
  // Waits up to `tick`; true once shutdown was requested.
  bool wait(std::chrono::milliseconds tick) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, tick, [&] { return requested_; });
  }
  int exit_code() const {
    std::lock_guard lock(mutex_);
    return exit_code_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool requested_ = false;
  int exit_code_ = 0;
};

}  // namespace trove::kube
