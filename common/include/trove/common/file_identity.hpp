// Which version of a file is on disk, for watchers that re-read a file when
// it changes (the admin token, the client-token keys): a rewrite in place
// changes the size or modification time, a Kubernetes Secret update or a
// rename swaps the inode.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace trove::common {

struct FileIdentity {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  bool operator==(const FileIdentity&) const = default;
};

// The identity of `path` (stat follows symlinks), nullopt when it cannot be
// stat'ed.
std::optional<FileIdentity> file_identity_of(const std::string& path);

}  // namespace trove::common
