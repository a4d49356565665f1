#include "trove/common/file_identity.hpp"

#include <sys/stat.h>

namespace trove::common {

std::optional<FileIdentity> file_identity_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
  return FileIdentity{
      static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
      static_cast<std::uint64_t>(st.st_size),
      static_cast<std::int64_t>(st.st_mtim.tv_sec) * kNanosPerSecond + st.st_mtim.tv_nsec};
}

}  // namespace trove::common
