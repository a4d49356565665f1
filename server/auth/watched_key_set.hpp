// The client-auth key set read from a JWKS file and read again when the file
// changes (a rotated Kubernetes Secret swaps the mounted file), checked at
// most once per check interval by whichever thread asks first. A new file
// that does not parse keeps the keys in use; the failure is logged once per
// file version and counted.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "auth/jwk_set.hpp"
#include "trove/common/file_identity.hpp"

namespace trove::auth {

// One loaded version of the file; `generation` grows with each reload, so a
// token verified under older keys is verified again.
struct LoadedKeys {
  JwkSet set;
  std::uint64_t generation = 0;
};

class KeyFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class WatchedKeySet {
 public:
  using Clock = std::chrono::steady_clock;
  // How stale the keys may be after the file changes: one stat per second.
  static constexpr auto kDefaultCheckInterval = std::chrono::seconds(1);

  // Loads `path`; throws KeyFileError naming the file and the reason when it
  // cannot be read or parsed (a server must not start without usable keys).
  explicit WatchedKeySet(std::string path, Clock::duration check_interval = kDefaultCheckInterval);

  // The keys in use, after a check of the file when the interval has passed.
  std::shared_ptr<const LoadedKeys> current();
  // The generation of the keys in use, after the same check: a cache lookup
  // costs no reference count on the shared key set.
  std::uint64_t generation();
  [[nodiscard]] std::uint64_t reloads() const noexcept {
    return reloads_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t reload_failures() const noexcept {
    return failures_.load(std::memory_order_relaxed);
  }

 private:
  void check_file();
  void check_file_when_due();

  const std::string path_;
  const Clock::duration check_interval_;
  std::atomic<std::shared_ptr<const LoadedKeys>> keys_;
  std::atomic<std::uint64_t> generation_{1};
  std::atomic<Clock::rep> next_check_;
  // Only the thread that won next_check_ touches these.
  common::FileIdentity seen_;
  std::atomic<std::uint64_t> reloads_{0};
  std::atomic<std::uint64_t> failures_{0};
};

}  // namespace trove::auth
