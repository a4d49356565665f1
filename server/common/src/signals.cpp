#include "trove/common/signals.hpp"

#include <pthread.h>
#include <signal.h>

#include <ctime>

namespace trove::common {
namespace {

sigset_t ShutdownSet() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

void BlockShutdownSignals() {
  sigset_t set = ShutdownSet();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

ShutdownSignalWatcher::ShutdownSignalWatcher(std::function<void(int)> on_signal)
    : on_signal_(std::move(on_signal)) {
  BlockShutdownSignals();
  thread_ = std::thread([this] {
    const sigset_t set = ShutdownSet();
    // Wake every 100 ms to notice the destructor; signals wait in the
    // pending set meanwhile, so none is lost.
    const timespec tick{0, 100'000'000};
    while (!stop_.load(std::memory_order_acquire)) {
      const int signo = sigtimedwait(&set, nullptr, &tick);
      if (signo > 0) on_signal_(signo);
    }
  });
}

ShutdownSignalWatcher::~ShutdownSignalWatcher() {
  stop_.store(true, std::memory_order_release);
  if (thread_.joinable()) thread_.join();
}

}  // namespace trove::common
