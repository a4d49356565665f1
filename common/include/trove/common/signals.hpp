// SIGTERM/SIGINT handling without async-signal-safety traps: the signals are
// blocked in every thread and one watcher thread takes them from a signalfd
// and calls a plain callback. The thread sleeps in poll() until a signal or
// its own stop event arrives: no periodic wake-up, so an idle process stays
// asleep.
#pragma once

#include <functional>
#include <thread>

namespace trove::common {

// Blocks SIGINT and SIGTERM in the calling thread. Call first in main, before
// any thread starts, so that every thread inherits the mask.
void block_shutdown_signals();

class ShutdownSignalWatcher {
 public:
  // Calls on_signal(signo) on the watcher thread for every SIGINT/SIGTERM.
  explicit ShutdownSignalWatcher(std::function<void(int)> on_signal);
  ~ShutdownSignalWatcher();
  ShutdownSignalWatcher(const ShutdownSignalWatcher&) = delete;
  ShutdownSignalWatcher& operator=(const ShutdownSignalWatcher&) = delete;

 private:
  int signal_fd_ = -1;
  int stop_fd_ = -1;  // eventfd written by the destructor
  std::function<void(int)> on_signal_;
  std::thread thread_;
};

}  // namespace trove::common
