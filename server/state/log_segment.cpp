#include "state/log_segment.hpp"

#include <fcntl.h>
#include <limits.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <string>
#include <vector>

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
  return sync_or_cut_back(write_all(fd_, records), records.size());
}

std::error_code LogSegment::commit(std::span<const std::string> chunks) noexcept {
  std::uint64_t total = 0;
  std::error_code error;
  std::vector<iovec> iov;
  iov.reserve(std::min<std::size_t>(chunks.size(), IOV_MAX));
  for (std::size_t at = 0; at < chunks.size() && !error;) {
    iov.clear();
    std::size_t bytes = 0;
    for (; at < chunks.size() && iov.size() < IOV_MAX; ++at) {
      if (chunks[at].empty()) continue;
      iov.push_back({const_cast<char*>(chunks[at].data()), chunks[at].size()});
      bytes += chunks[at].size();
    }
    error = write_vector(iov, bytes);
    total += bytes;
  }
  if (total == 0 && !error) return {};
  return sync_or_cut_back(error, total);
}

std::error_code LogSegment::write_vector(std::vector<iovec>& iov, std::size_t bytes) noexcept {
  std::size_t first = 0;
  while (bytes > 0) {
    const ssize_t n = ::writev(fd_, iov.data() + first, static_cast<int>(iov.size() - first));
    if (n < 0) {
      if (errno == EINTR) continue;
      return {errno, std::generic_category()};
    }
    auto written = static_cast<std::size_t>(n);
    bytes -= written;
    // A short write: skip the buffers it finished, trim the one it cut.
    while (first < iov.size() && written >= iov[first].iov_len)
      written -= iov[first++].iov_len;
    if (first < iov.size()) {
      iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + written;
      iov[first].iov_len -= written;
    }
  }
  return {};
}

std::error_code LogSegment::sync_or_cut_back(std::error_code error, std::uint64_t bytes) noexcept {
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
  committed_ += bytes;
  return {};
}

}  // namespace trove::state
