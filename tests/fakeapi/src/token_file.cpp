#include "token_file.hpp"

#include <fstream>
#include <sstream>

namespace trove::fakeapi {

namespace {

// Tokens are a few KiB at most (service account JWTs ~1 KiB).
constexpr std::uintmax_t kMaxTokenFileBytes = 64 * 1024;

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

}  // namespace

void TokenFile::refresh() {
  std::error_code ec;
  auto mtime = std::filesystem::last_write_time(path_, ec);
  auto size = ec ? 0 : std::filesystem::file_size(path_, ec);
  if (ec) {
    token_.clear();
    size_ = static_cast<std::uintmax_t>(-1);
    return;
  }
  if (mtime == mtime_ && size == size_) return;
  mtime_ = mtime;
  size_ = size;
  token_.clear();
  if (size > kMaxTokenFileBytes) return;
  std::ifstream in(path_, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  std::string text = content.str();
  std::size_t begin = text.find_first_not_of(" \t\r\n");
  std::size_t end = text.find_last_not_of(" \t\r\n");
  if (begin != std::string::npos) token_ = text.substr(begin, end - begin + 1);
}

bool TokenFile::accepts(std::string_view authorization) {
  std::lock_guard lock(mutex_);
  refresh();
  constexpr std::string_view kBearer = "Bearer ";
  if (token_.empty() || !authorization.starts_with(kBearer)) return false;
  return constant_time_equal(authorization.substr(kBearer.size()), token_);
}

}  // namespace trove::fakeapi
