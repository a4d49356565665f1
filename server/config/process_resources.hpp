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

// Bytes a cgroup v2 `memory.max` line allows; nullopt for "max" (no limit)
// or a malformed line.
std::optional<std::uint64_t> bytes_from_memory_max(std::string_view line);

// The cgroup's memory limit (v2 memory.max, then v1
// memory/memory.limit_in_bytes, where an unlimited group reads as a value
// near 2^63); nullopt without one.
std::optional<std::uint64_t> cgroup_memory_limit(const std::string& cgroup_root = "/sys/fs/cgroup");

// --max-memory-mib resolved to bytes: `mib` as given, or for auto 80 % of
// the cgroup memory limit (0 = off without one).
std::uint64_t memory_budget_bytes(std::uint64_t mib,
                                  const std::string& cgroup_root = "/sys/fs/cgroup");

// Raises the soft RLIMIT_NOFILE to the hard limit; returns the new soft limit.
std::uint64_t raise_fd_soft_limit();

}  // namespace trove::config
