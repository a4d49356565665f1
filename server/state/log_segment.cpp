#include "state/log_segment.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>

#include "state/state_dir.hpp"
#include "state/state_format.hpp"

namespace trove::state {

LogSegment::LogSegment(const std::filesystem::path& dir, std::uint64_t generation,
                       std::uint32_t worker, std::uint64_t incarnation)
    : path_(dir / log_file_name(generation, worker)), generation_(generation) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "open " + path_.string());
  std::string header;
  append_header(header, make_header(kLogMagic, incarnation, generation, worker));
  std::error_code error = commit(header);
  if (!error) error = sync_directory(dir);
  if (error) {
    ::close(fd_);
    throw std::system_error(error, "create " + path_.string());
  }
}

LogSegment::~LogSegment() {
  if (fd_ >= 0) ::close(fd_);
}

std::error_code LogSegment::commit(std::string_view records) noexcept {
  if (records.empty()) return {};
  std::error_code error = write_all(fd_, records);
  if (!error) {
    const auto started = std::chrono::steady_clock::now();
    if (::fdatasync(fd_) != 0) error = {errno, std::generic_category()};
    last_sync_nanos_ =
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                       std::chrono::steady_clock::now() - started)
                                       .count());
  }
  if (error) {
    // Best effort: a failed cut leaves a torn tail, which restore drops.
    if (::ftruncate(fd_, static_cast<off_t>(committed_)) == 0)
      ::lseek(fd_, static_cast<off_t>(committed_), SEEK_SET);
    return error;
  }
  committed_ += records.size();
  return {};
}

}  // namespace trove::state
