#include "state/state_dir.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <ctime>

namespace trove::state {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kLogPrefix = "log-";
constexpr std::string_view kLogSuffix = ".trlog";
constexpr std::string_view kSnapshotPrefix = "snapshot-";
constexpr std::string_view kSnapshotSuffix = ".trsnap";
constexpr std::string_view kTempSuffix = ".tmp";
constexpr std::size_t kGenerationDigits = 16;

std::string hex16(std::uint64_t value) {
  std::string out(kGenerationDigits, '0');
  for (std::size_t i = kGenerationDigits; i-- > 0; value >>= 4)
    out[i] = "0123456789abcdef"[value & 0xfU];
  return out;
}

std::optional<std::uint64_t> parse_hex16(std::string_view text) {
  if (text.size() != kGenerationDigits) return std::nullopt;
  std::uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
  if (ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<StateFile> parse_name(const fs::path& path) {
  const std::string name = path.filename().string();
  std::string_view n = name;
  StateFile file;
  file.path = path;
  if (n.starts_with(kSnapshotPrefix) && n.ends_with(kSnapshotSuffix)) {
    n = n.substr(kSnapshotPrefix.size(),
                 n.size() - kSnapshotPrefix.size() - kSnapshotSuffix.size());
    const auto generation = parse_hex16(n);
    if (!generation) return std::nullopt;
    file.kind = StateFile::Kind::kSnapshot;
    file.generation = *generation;
    return file;
  }
  if (!n.starts_with(kLogPrefix) || !n.ends_with(kLogSuffix)) return std::nullopt;
  n = n.substr(kLogPrefix.size(), n.size() - kLogPrefix.size() - kLogSuffix.size());
  const auto generation = parse_hex16(n.substr(0, kGenerationDigits));
  const std::string_view worker =
      n.size() > kGenerationDigits + 2 ? n.substr(kGenerationDigits + 2) : "";
  if (!generation || n.substr(kGenerationDigits, 2) != "-w" || worker.empty()) return std::nullopt;
  auto [ptr, ec] = std::from_chars(worker.data(), worker.data() + worker.size(), file.worker);
  if (ec != std::errc{} || ptr != worker.data() + worker.size()) return std::nullopt;
  file.kind = StateFile::Kind::kLog;
  file.generation = *generation;
  return file;
}

}  // namespace

std::string log_file_name(std::uint64_t generation, std::uint32_t worker) {
  return std::string(kLogPrefix) + hex16(generation) + "-w" + std::to_string(worker) +
         std::string(kLogSuffix);
}

std::string snapshot_file_name(std::uint64_t generation) {
  return std::string(kSnapshotPrefix) + hex16(generation) + std::string(kSnapshotSuffix);
}

std::vector<StateFile> list_state_files(const fs::path& dir) {
  std::vector<StateFile> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    if (entry.path().filename().string().ends_with(kTempSuffix)) {
      std::error_code ignored;
      fs::remove(entry.path(), ignored);  // an interrupted snapshot: never published
      continue;
    }
    if (auto file = parse_name(entry.path())) files.push_back(std::move(*file));
  }
  std::sort(files.begin(), files.end(), [](const StateFile& a, const StateFile& b) {
    if (a.kind != b.kind) return a.kind == StateFile::Kind::kSnapshot;
    if (a.kind == StateFile::Kind::kSnapshot) return a.generation > b.generation;
    return a.generation != b.generation ? a.generation < b.generation : a.worker < b.worker;
  });
  return files;
}

MappedFile::MappedFile(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), path.string());
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int error = errno;
    ::close(fd);
    throw std::system_error(error, std::generic_category(), path.string());
  }
  size_ = static_cast<std::size_t>(st.st_size);
  if (size_ > 0) {
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      const int error = errno;
      ::close(fd);
      throw std::system_error(error, std::generic_category(), path.string());
    }
    ::madvise(p, size_, MADV_SEQUENTIAL);
    data_ = static_cast<const char*>(p);
  }
  ::close(fd);
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
}

fs::path move_aside(const fs::path& dir, const fs::path& file) {
  char stamp[32];
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
  const fs::path aside = dir / (std::string("corrupt-") + stamp);
  fs::create_directories(aside);
  fs::path target = aside / file.filename();
  fs::rename(file, target);
  sync_directory(aside);
  sync_directory(dir);
  return target;
}

std::error_code sync_directory(const fs::path& dir) noexcept {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return {errno, std::generic_category()};
  std::error_code result;
  if (::fsync(fd) != 0) result = {errno, std::generic_category()};
  ::close(fd);
  return result;
}

std::error_code write_all(int fd, std::string_view bytes) noexcept {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return {errno, std::generic_category()};
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

}  // namespace trove::state
