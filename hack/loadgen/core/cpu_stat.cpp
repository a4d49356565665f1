#include "cpu_stat.hpp"

#include <unistd.h>

#include <array>
#include <charconv>
#include <fstream>
#include <sstream>
#include <string>

namespace trove::loadgen {

std::optional<CpuTimes> parse_proc_stat(std::string_view text, int cpu) {
  if (cpu < 0) return std::nullopt;
  const std::string name = "cpu" + std::to_string(cpu) + " ";
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto eol = text.find('\n', pos);
    std::string_view line = text.substr(pos, eol == std::string_view::npos ? eol : eol - pos);
    pos = eol == std::string_view::npos ? text.size() : eol + 1;
    if (line.substr(0, name.size()) != name) continue;
    line.remove_prefix(name.size());
    // user nice system idle iowait irq softirq steal [guest guest_nice]
    std::array<std::uint64_t, 8> f{};
    std::size_t n = 0;
    while (n < f.size()) {
      while (!line.empty() && line.front() == ' ')
        line.remove_prefix(1);
      if (line.empty()) break;
      const auto [p, ec] = std::from_chars(line.data(), line.data() + line.size(), f[n]);
      if (ec != std::errc{}) return std::nullopt;
      line.remove_prefix(static_cast<std::size_t>(p - line.data()));
      ++n;
    }
    if (n < 7) return std::nullopt;  // steal is absent on very old kernels only
    CpuTimes t;
    t.busy = f[0] + f[1] + f[2] + f[5] + f[6] + f[7];
    t.total = t.busy + f[3] + f[4];
    return t;
  }
  return std::nullopt;
}

std::optional<CpuTimes> read_cpu_times(int cpu) {
  std::ifstream in("/proc/stat");
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_proc_stat(ss.str(), cpu);
}

std::optional<std::uint64_t> parse_pid_stat(std::string_view text) {
  const auto paren = text.rfind(')');
  if (paren == std::string_view::npos) return std::nullopt;
  std::string_view rest = text.substr(paren + 1);
  // After ')': state(3) ppid(4) ... utime(14) stime(15); field 3 is index 0.
  std::array<std::uint64_t, 2> times{};
  int field = 3;
  while (!rest.empty() && field <= 15) {
    while (!rest.empty() && rest.front() == ' ')
      rest.remove_prefix(1);
    const auto end = rest.find(' ');
    const std::string_view token = rest.substr(0, end);
    if (token.empty()) return std::nullopt;
    if (field == 14 || field == 15) {
      std::uint64_t v = 0;
      const auto [p, ec] = std::from_chars(token.data(), token.data() + token.size(), v);
      if (ec != std::errc{} || p != token.data() + token.size()) return std::nullopt;
      times[static_cast<std::size_t>(field - 14)] = v;
    }
    ++field;
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  }
  if (field <= 15) return std::nullopt;
  return times[0] + times[1];
}

std::optional<std::uint64_t> read_process_jiffies(const std::vector<int>& pids) {
  std::uint64_t total = 0;
  for (const int pid : pids) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    if (!in) return std::nullopt;
    std::stringstream ss;
    ss << in.rdbuf();
    const auto j = parse_pid_stat(ss.str());
    if (!j) return std::nullopt;
    total += *j;
  }
  return total;
}

double seconds_per_jiffy() {
  const long hz = sysconf(_SC_CLK_TCK);
  return hz > 0 ? 1.0 / static_cast<double>(hz) : 0.01;
}

}  // namespace trove::loadgen
