// SIGTERM/SIGINT handling without async-signal-safety traps: the signals are
// blocked in every thread and one watcher thread takes them with sigtimedwait
// and calls a plain callback.
#pragma once

#include <atomic>
#include <functional>
#include <thread>

namespace trove::common {

// Blocks SIGINT and SIGTERM in the calling thread. Call first in main, before
// any thread starts, so that every thread inherits the mask.
void BlockShutdownSignals();

class ShutdownSignalWatcher {
 public:
  // Calls on_signal(signo) on the watcher thread for every SIGINT/SIGTERM.
  explicit ShutdownSignalWatcher(std::function<void(int)> on_signal);
  ~ShutdownSignalWatcher();
  ShutdownSignalWatcher(const ShutdownSignalWatcher&) = delete;
  ShutdownSignalWatcher& operator=(const ShutdownSignalWatcher&) = delete;

 private:
  std::atomic<bool> stop_{false};
  std::function<void(int)> on_signal_;
  std::thread thread_;
};

}  // namespace trove::common
