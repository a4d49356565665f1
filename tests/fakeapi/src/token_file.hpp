// The bearer token the server accepts, read from a file and re-read whenever
// the file changes (size or modification time), so tests can rotate it.
#pragma once

#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>

namespace trove::fakeapi {

class TokenFile {
 public:
  explicit TokenFile(std::filesystem::path path) : path_(std::move(path)) {}
  // True when the Authorization header is "Bearer <token>" with the file's
  // current token (surrounding whitespace of the file ignored). An empty or
  // missing file accepts nothing.
  bool accepts(std::string_view authorization);

 private:
  void refresh();
  std::filesystem::path path_;
  std::mutex mutex_;
  std::string token_;
  std::filesystem::file_time_type mtime_{};
  std::uintmax_t size_ = static_cast<std::uintmax_t>(-1);
};

}  // namespace trove::fakeapi
