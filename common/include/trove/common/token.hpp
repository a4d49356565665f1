// Bearer tokens: constant-time comparison and loading from a file (a mounted
// Kubernetes Secret: trailing newline stripped).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "trove/common/file_identity.hpp"

namespace trove::common {

// Compares in time that depends only on the lengths, never on where the
// first difference is, so a caller cannot guess a token byte by byte.
bool constant_time_equals(std::string_view a, std::string_view b);

// The token from "Bearer <token>" (scheme case-insensitive), empty otherwise.
std::string_view bearer_token(std::string_view authorization_header);

// Reads the token file; trailing whitespace removed. Throws std::runtime_error
// naming the file when it cannot be read or is empty.
std::string read_token_file(const std::string& path);

// A token file that follows rotation: a rewritten file, or a Kubernetes
// Secret volume's atomic symlink swap, is picked up without a restart.
// current() looks at the file (stat, then a read only when its identity,
// size or modification time changed) at most once per kRecheck, so the old
// token stops working within that time. A file that turns unreadable or
// empty keeps the last good token (a rotation in progress must not lock the
// operator out) and is logged once. Thread-safe.
class TokenFile {
 public:
  static constexpr std::chrono::milliseconds kRecheck{250};

  // Reads the file now; throws like read_token_file, except for a path that
  // does not exist (yet): then current() is "" (admin writes answer 403)
  // until the file appears, as an optional Kubernetes Secret volume does
  // once its Secret is created.
  explicit TokenFile(std::string path);
  [[nodiscard]] std::string current();
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  const std::string path_;
  std::mutex mutex_;
  std::string token_;
  FileIdentity identity_;
  std::chrono::steady_clock::time_point next_check_;
  bool warned_ = false;
};

}  // namespace trove::common
