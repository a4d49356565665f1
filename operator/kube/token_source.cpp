#include "kube/token_source.hpp"

#include "kube/config.hpp"

namespace trove::kube {
namespace {
// A token is a JWT of a few KiB; anything bigger is not a token.
constexpr std::size_t kMaxTokenBytes = 64u << 10;
}  // namespace

TokenSource::TokenSource(std::string static_token, std::string token_file,
                         std::chrono::milliseconds refresh)
    : static_token_(std::move(static_token)),
      token_file_(std::move(token_file)),
      refresh_(refresh),
      cached_(static_token_) {}

std::string TokenSource::token() {
  std::lock_guard lock(mutex_);
  if (token_file_.empty()) return cached_;
  const auto now = Clock::now();
  if (stale_ || now - read_at_ >= refresh_) {
    try {
      std::string t = read_file(token_file_, kMaxTokenBytes);
      while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' '))
        t.pop_back();
      if (!t.empty()) cached_ = std::move(t);
      ++reads_;
    } catch (const ConfigError&) {
      // Keep the last good token: a rotation writes the file atomically, so
      // a failed read is transient; the next request retries.
    }
    read_at_ = now;
    stale_ = false;
  }
  return cached_;
}

void TokenSource::invalidate() {
  std::lock_guard lock(mutex_);
  stale_ = true;
}

std::uint64_t TokenSource::reads() const {
  std::lock_guard lock(mutex_);
  return reads_;
}

}  // namespace trove::kube
