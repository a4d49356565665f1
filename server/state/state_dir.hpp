#pragma once
// The files of a state directory and the file-system steps around them
// (docs/state-format.md): names, listing, read-only mapping, durable
// publication (write a temporary, fsync, rename, fsync the directory) and
// moving a damaged file aside into DIR/corrupt-<time>/.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace trove::state {

// Present while a server runs on the directory (journal.hpp); a clean
// stop removes it after its final snapshot.
inline constexpr std::string_view kRunningMarker = "running";

// log-<generation, 16 hex>-w<worker>.trlog and snapshot-<generation>.trsnap.
std::string log_file_name(std::uint64_t generation, std::uint32_t worker);
std::string snapshot_file_name(std::uint64_t generation);

struct StateFile {
  enum class Kind { kLog, kSnapshot };
  Kind kind = Kind::kLog;
  std::uint64_t generation = 0;
  std::uint32_t worker = 0;
  std::filesystem::path path;
};

// The logs and snapshots in `dir` (other names are left alone), snapshots
// newest first, then logs by generation. Leftover temporaries of an
// interrupted snapshot (*.tmp) are deleted.
std::vector<StateFile> list_state_files(const std::filesystem::path& dir);

// A whole file mapped read-only; empty for an empty file.
class MappedFile {
 public:
  explicit MappedFile(const std::filesystem::path& path);  // throws std::system_error
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  std::string_view bytes() const noexcept { return {data_, size_}; }

 private:
  const char* data_ = nullptr;
  std::size_t size_ = 0;
};

// Moves `file` into dir/corrupt-<UTC time>/ (created once per start) and
// returns where it went.
std::filesystem::path move_aside(const std::filesystem::path& dir,
                                 const std::filesystem::path& file);

// fsync of a directory, so a rename or a new file in it survives a crash.
std::error_code sync_directory(const std::filesystem::path& dir) noexcept;
// Writes all of `bytes` to `fd`, retrying short writes and EINTR.
std::error_code write_all(int fd, std::string_view bytes) noexcept;

}  // namespace trove::state
