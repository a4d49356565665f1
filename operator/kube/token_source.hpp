// The bearer token, re-read from its file at least every `refresh` (projected
// service-account tokens rotate hourly) and at once after a 401.
#pragma once

#include <chrono>
#include <mutex>
#include <string>

namespace trove::kube {

class TokenSource {
 public:
  using Clock = std::chrono::steady_clock;

  // A token_file wins over static_token. client-go re-reads every minute.
  TokenSource(std::string static_token, std::string token_file,
              std::chrono::milliseconds refresh = std::chrono::minutes{1});

  // The current token ("" when none). Re-reads the file when due; when the
  // file cannot be read the previous token is kept.
  std::string token();
  // Forces a re-read at the next token() call (after a 401).
  void invalidate();
  std::uint64_t reads() const;

 private:
  const std::string static_token_;
  const std::string token_file_;
  const std::chrono::milliseconds refresh_;
  mutable std::mutex mutex_;
  std::string cached_;
  Clock::time_point read_at_{};
  bool stale_ = true;
  std::uint64_t reads_ = 0;
};

}  // namespace trove::kube
