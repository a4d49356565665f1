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
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace trove::common {
namespace {

using namespace std::chrono_literals;

// This process's threads now (ids from /proc/self/task).
std::set<std::string> threads() {
  std::set<std::string> ids;
  // directory_iterator, not readdir: other threads run while this reads.
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ec))
    ids.insert(task.path().filename());
  return ids;
}

// Voluntary context switches (wake-ups) of the given threads so far.
long wakeups(const std::set<std::string>& ids) {
  long total = 0;
  for (const std::string& id : ids) {
    std::ifstream status("/proc/self/task/" + id + "/status");
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
    // The watcher's thread is the one it adds. Sanitizer runtimes have
    // threads of their own that tick, started with the first thread: start
    // and join one first, so those exist before the count.
    std::thread([] {}).join();
    const std::set<std::string> before_start = threads();
    ShutdownSignalWatcher watcher([](int) {});
    std::set<std::string> watcher_threads;
    for (const std::string& id : threads()) {
      if (before_start.count(id) == 0) watcher_threads.insert(id);
    }
    ASSERT_EQ(watcher_threads.size(), 1U);
    std::this_thread::sleep_for(50ms);  // let the thread reach its wait
    const long before = wakeups(watcher_threads);
    std::this_thread::sleep_for(600ms);
    // A 100 ms polling loop would wake ~6 times here.
    EXPECT_LE(wakeups(watcher_threads) - before, 1) << "the watcher thread wakes without a signal";
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s) << "the destructor waited for a tick";
}

}  // namespace
}  // namespace trove::common
