// What the process may use, read at start: the cgroup's CPU quota (the
// default worker count) and the file-descriptor limit (raised to the hard
// limit, so a connection flood meets the real ceiling, not a shell default).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace trove::config {

// Cores a cgroup v2 `cpu.max` line ("200000 100000", "max 100000") grants,
// rounded up; nullopt for "max" (no quota) or a malformed line.
std::optional<unsigned> cores_from_cpu_max(std::string_view line);

// Cores a cgroup v1 quota and period (cpu.cfs_quota_us, cpu.cfs_period_us)
// grant, rounded up; nullopt for -1 (no quota) or a malformed value.
std::optional<unsigned> cores_from_cfs(std::string_view quota, std::string_view period);

// The default --workers: the cgroup's CPU quota when there is one (v2, then
// v1), capped by the cores the machine has; else the machine's cores.
// `cgroup_root` is /sys/fs/cgroup outside tests.
unsigned default_worker_count(const std::string& cgroup_root = "/sys/fs/cgroup");

// Raises the soft RLIMIT_NOFILE to the hard limit; returns the new soft limit.
std::uint64_t raise_fd_soft_limit();

}  // namespace trove::config
