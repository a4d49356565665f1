// ShutdownSignalWatcher: SIGTERM and SIGINT sent to the process reach the
// callback, in order; while no signal comes the watcher thread sleeps (no
// periodic wake-up: an idle sidecar must not burn CPU), and the destructor
// stops it at once.
#include "trove/common/signals.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace trove::common {
namespace {

using namespace std::chrono_literals;

// Voluntary context switches of every thread of this process but the
// calling one: how often the others woke up.
long OtherThreadsWakeups() {
  long total = 0;
  const std::string self = std::to_string(gettid());
  // directory_iterator, not readdir: other threads run while this reads.
  std::error_code ec;
  std::filesystem::directory_iterator tasks("/proc/self/task", ec);
  if (ec) return -1;
  for (const auto& task : tasks) {
    if (task.path().filename() == self) continue;
    std::ifstream status(task.path() / "status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("voluntary_ctxt_switches:", 0) == 0) total += std::stol(line.substr(24));
    }
  }
  return total;
}

TEST(ShutdownSignalWatcher, DeliversEachSignalToTheCallbackInOrder) {
  std::mutex m;
  std::condition_variable cv;
  std::vector<int> seen;
  {
    ShutdownSignalWatcher watcher([&](int signo) {
      std::lock_guard lock(m);
      seen.push_back(signo);
      cv.notify_all();
    });
    ASSERT_EQ(kill(getpid(), SIGTERM), 0);
    {
      std::unique_lock lock(m);
      ASSERT_TRUE(cv.wait_for(lock, 5s, [&] { return seen.size() == 1; })) << "SIGTERM lost";
    }
    ASSERT_EQ(kill(getpid(), SIGINT), 0);
    std::unique_lock lock(m);
    ASSERT_TRUE(cv.wait_for(lock, 5s, [&] { return seen.size() == 2; })) << "SIGINT lost";
  }
  EXPECT_EQ(seen, (std::vector<int>{SIGTERM, SIGINT}));
}

TEST(ShutdownSignalWatcher, SleepsUntilASignalAndStopsAtOnce) {
  const auto t0 = std::chrono::steady_clock::now();
  {
    ShutdownSignalWatcher watcher([](int) {});
    std::this_thread::sleep_for(50ms);  // let the thread reach its wait
    const long before = OtherThreadsWakeups();
    ASSERT_GE(before, 0);
    std::this_thread::sleep_for(600ms);
    // A 100 ms polling loop would wake ~6 times here.
    EXPECT_LE(OtherThreadsWakeups() - before, 1) << "the watcher thread wakes without a signal";
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s) << "the destructor waited for a tick";
}

}  // namespace
}  // namespace trove::common
