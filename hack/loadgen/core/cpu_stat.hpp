// Busy time of one CPU from /proc/stat, the server-cost measure of the
// benchmarks: (user + nice + system + irq + softirq + steal) jiffies, i.e.
// everything but idle and iowait, so the network stack's softirq work done on
// the server's core is charged to the server.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace trove::loadgen {

struct CpuTimes {
  std::uint64_t busy = 0;   // jiffies
  std::uint64_t total = 0;  // jiffies
};

// Parses the "cpuN" line of a /proc/stat text; nullopt if absent or malformed.
std::optional<CpuTimes> parse_proc_stat(std::string_view text, int cpu);

// Reads /proc/stat now.
std::optional<CpuTimes> read_cpu_times(int cpu);

// utime + stime (jiffies, all threads) from a /proc/PID/stat text; nullopt
// if malformed. The command name may hold spaces and parentheses, so fields
// are counted from the last ')'.
std::optional<std::uint64_t> parse_pid_stat(std::string_view text);

// Sum of utime + stime of these processes now; nullopt if any is gone.
std::optional<std::uint64_t> read_process_jiffies(const std::vector<int>& pids);

// Seconds per jiffy (sysconf(_SC_CLK_TCK)).
double seconds_per_jiffy();

}  // namespace trove::loadgen
