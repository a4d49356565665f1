#include "trove/common/signals.hpp"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <system_error>

namespace trove::common {
namespace {

sigset_t shutdown_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

}  // namespace

void block_shutdown_signals() {
  sigset_t set = shutdown_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

ShutdownSignalWatcher::ShutdownSignalWatcher(std::function<void(int)> on_signal)
    : on_signal_(std::move(on_signal)) {
  block_shutdown_signals();
  const sigset_t set = shutdown_set();
  // A signal sent to the process while every thread blocks it stays
  // pending until the signalfd is read, so none is lost before the thread runs.
  signal_fd_ = signalfd(-1, &set, SFD_CLOEXEC);
  if (signal_fd_ < 0) throw_errno("signalfd");
  stop_fd_ = eventfd(0, EFD_CLOEXEC);
  if (stop_fd_ < 0) {
    const int saved = errno;
    close(signal_fd_);
    errno = saved;
    throw_errno("eventfd");
  }
  thread_ = std::thread([this] {
    pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    for (;;) {
      if (poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        return;  // cannot happen with valid descriptors; nothing to watch then
      }
      if ((fds[1].revents & POLLIN) != 0) return;  // the destructor
      if ((fds[0].revents & POLLIN) != 0) {
        signalfd_siginfo info{};
        if (read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
          on_signal_(static_cast<int>(info.ssi_signo));
        }
      }
    }
  });
}

ShutdownSignalWatcher::~ShutdownSignalWatcher() {
  const std::uint64_t one = 1;
  // Cannot fail short of a bad descriptor: the counter is far from overflow.
  [[maybe_unused]] const ssize_t n = write(stop_fd_, &one, sizeof one);
  if (thread_.joinable()) thread_.join();
  close(stop_fd_);
  close(signal_fd_);
}

}  // namespace trove::common
