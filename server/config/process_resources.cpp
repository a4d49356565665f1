#include "config/process_resources.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <thread>

namespace trove::config {
namespace {

std::optional<std::uint64_t> parse_positive(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.remove_suffix(1);
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value == 0) return std::nullopt;
  return value;
}

std::optional<unsigned> cores_of(std::uint64_t quota, std::uint64_t period) {
  const std::uint64_t cores = (quota + period - 1) / period;
  return static_cast<unsigned>(std::max<std::uint64_t>(1, cores));
}

std::string first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace

std::optional<unsigned> cores_from_cpu_max(std::string_view line) {
  const auto space = line.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const auto quota = parse_positive(line.substr(0, space));
  const auto period = parse_positive(line.substr(space + 1));
  if (!quota || !period) return std::nullopt;  // "max": no quota
  return cores_of(*quota, *period);
}

std::optional<unsigned> cores_from_cfs(std::string_view quota, std::string_view period) {
  const auto q = parse_positive(quota);
  const auto p = parse_positive(period);
  if (!q || !p) return std::nullopt;  // -1: no quota
  return cores_of(*q, *p);
}

unsigned default_worker_count(const std::string& cgroup_root) {
  const unsigned machine = std::max(1u, std::thread::hardware_concurrency());
  std::optional<unsigned> quota = cores_from_cpu_max(first_line(cgroup_root + "/cpu.max"));
  if (!quota) {
    quota = cores_from_cfs(first_line(cgroup_root + "/cpu/cpu.cfs_quota_us"),
                           first_line(cgroup_root + "/cpu/cpu.cfs_period_us"));
  }
  return quota ? std::min(*quota, machine) : machine;
}

std::uint64_t raise_fd_soft_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ::getrlimit(RLIMIT_NOFILE, &limit);
  }
  return static_cast<std::uint64_t>(limit.rlim_cur);
}

}  // namespace trove::config
