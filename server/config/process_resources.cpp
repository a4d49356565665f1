#include "config/process_resources.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <thread>

#include "config/server_config.hpp"

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

std::optional<std::uint64_t> bytes_from_memory_max(std::string_view line) {
  return parse_positive(line);  // "max" is not a number: no limit
}

std::optional<std::uint64_t> cgroup_memory_limit(const std::string& cgroup_root) {
  if (auto v2 = bytes_from_memory_max(first_line(cgroup_root + "/memory.max"))) return v2;
  // v1 reports "no limit" as the largest page-aligned signed value.
  constexpr std::uint64_t kV1Unlimited = 1ull << 62;
  const auto v1 = parse_positive(first_line(cgroup_root + "/memory/memory.limit_in_bytes"));
  if (v1 && *v1 < kV1Unlimited) return v1;
  return std::nullopt;
}

std::uint64_t memory_budget_bytes(std::uint64_t mib, const std::string& cgroup_root) {
  if (mib != ServerConfig::kMemoryAuto) return mib << 20;
  // 80 %: the rest is headroom for what the budget does not measure (the
  // box store's mapping, thread stacks, the kernel's socket buffers) before
  // the cgroup's OOM killer would take the pod's state.
  constexpr std::uint64_t kPercent = 80;
  const auto limit = cgroup_memory_limit(cgroup_root);
  return limit ? *limit / 100 * kPercent : 0;
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
