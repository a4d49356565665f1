#include "auth/watched_key_set.hpp"

#include <fstream>
#include <optional>
#include <sstream>

#include "trove/common/logging.hpp"

namespace trove::auth {
namespace {

// The parsed file, or the reason it is not usable.
JwksParseResult load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {std::nullopt, "cannot open"};
  // One byte over the limit is enough to know it is too large.
  std::string text(kMaxJwksBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return parse_jwks(text);
}

}  // namespace

WatchedKeySet::WatchedKeySet(std::string path, Clock::duration check_interval)
    : path_(std::move(path)), check_interval_(check_interval) {
  seen_ = common::file_identity_of(path_).value_or(common::FileIdentity{});
  auto parsed = load(path_);
  if (!parsed.keys) throw KeyFileError("client-auth keys " + path_ + ": " + parsed.error);
  keys_.store(std::make_shared<const LoadedKeys>(LoadedKeys{std::move(*parsed.keys), 1}));
  next_check_.store((Clock::now() + check_interval_).time_since_epoch().count());
}

void WatchedKeySet::check_file_when_due() {
  const auto now = Clock::now().time_since_epoch().count();
  auto due = next_check_.load(std::memory_order_relaxed);
  // One thread wins the check; the others use the keys they find.
  if (now >= due && next_check_.compare_exchange_strong(due, now + check_interval_.count(),
                                                        std::memory_order_acq_rel)) {
    check_file();
  }
}

std::shared_ptr<const LoadedKeys> WatchedKeySet::current() {
  check_file_when_due();
  return keys_.load(std::memory_order_acquire);
}

std::uint64_t WatchedKeySet::generation() {
  check_file_when_due();
  return generation_.load(std::memory_order_acquire);
}

void WatchedKeySet::check_file() {
  const auto version = common::file_identity_of(path_);
  // A file gone for a moment (a Secret update swaps a symlink) keeps the keys.
  if (!version || *version == seen_) return;
  seen_ = *version;
  auto parsed = load(path_);
  if (!parsed.keys) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    common::log_event(common::LogLevel::warn, "client-auth keys not reloaded; keeping the old ones",
                      {{"path", path_}, {"error", parsed.error}});
    return;
  }
  const auto generation = keys_.load()->generation + 1;
  const auto keys = parsed.keys->keys.size();
  keys_.store(std::make_shared<const LoadedKeys>(LoadedKeys{std::move(*parsed.keys), generation}),
              std::memory_order_release);
  // After the keys: whoever sees this generation finds these keys.
  generation_.store(generation, std::memory_order_release);
  reloads_.fetch_add(1, std::memory_order_relaxed);
  common::log_event(common::LogLevel::info, "client-auth keys reloaded",
                    {{"path", path_}, {"keys", keys}});
}

}  // namespace trove::auth
