#pragma once
// One worker's log segment: an append-only file of box records
// (state_format.hpp), written by group commit: the records of a commit
// interval go down in one write and one fdatasync.
//
// Thread safety: one thread commits at a time (the state committer).

#include <sys/uio.h>

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace trove::state {

class LogSegment {
 public:
  // Creates dir/log-<generation>-w<worker>.trlog with its header, synced
  // (file and directory). Throws std::system_error.
  LogSegment(const std::filesystem::path& dir, std::uint64_t generation, std::uint32_t worker,
             std::uint64_t incarnation);
  ~LogSegment();
  LogSegment(const LogSegment&) = delete;
  LogSegment& operator=(const LogSegment&) = delete;

  // Appends `records` with one write and makes them durable with one
  // fdatasync. On failure (disk full, I/O error) the file is cut back to
  // its committed length, so a later commit never follows a partial record.
  std::error_code commit(std::string_view records) noexcept;
  // The same for records handed over in chunks: one writev per IOV_MAX of
  // them, then one fdatasync.
  std::error_code commit(std::span<const std::string> chunks) noexcept;

  std::uint64_t committed_bytes() const noexcept { return committed_; }
  // How long the last commit's fdatasync took (0 before one ran).
  std::uint64_t last_sync_nanos() const noexcept { return last_sync_nanos_; }
  std::uint64_t generation() const noexcept { return generation_; }
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
  std::uint64_t generation_;
  int fd_ = -1;
  std::uint64_t committed_ = 0;
  std::uint64_t last_sync_nanos_ = 0;

  std::error_code write_vector(std::vector<iovec>& iov, std::size_t bytes) noexcept;
  std::error_code sync_or_cut_back(std::error_code write_error, std::uint64_t bytes) noexcept;
};

}  // namespace trove::state
