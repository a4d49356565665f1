#include "trove/common/token.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "trove/common/http_types.hpp"

namespace trove::common {

bool constant_time_equals(std::string_view a, std::string_view b) {
  // Fold every byte of the longer input so the time depends on lengths only;
  // the length difference itself is folded into the result.
  const std::size_t n = a.size() > b.size() ? a.size() : b.size();
  unsigned diff = a.size() == b.size() ? 0u : 1u;
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0u;
    const auto y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0u;
    diff |= x ^ y;
  }
  // Keep the compiler from short-circuiting the loop.
  volatile unsigned sink = diff;
  return sink == 0;
}

std::string_view bearer_token(std::string_view header) {
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size()) return {};
  if (!equals_ignore_case(header.substr(0, kScheme.size()), kScheme)) return {};
  std::string_view token = header.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ')
    token.remove_prefix(1);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t'))
    token.remove_suffix(1);
  return token;
}

std::string read_token_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("admin token file '" + path + "' cannot be read");
  std::ostringstream content;
  content << in.rdbuf();
  std::string token = content.str();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ' ||
                            token.back() == '\t')) {
    token.pop_back();
  }
  if (token.empty()) throw std::runtime_error("admin token file '" + path + "' is empty");
  return token;
}

TokenFile::TokenFile(std::string path) : path_(std::move(path)) {
  next_check_ = std::chrono::steady_clock::now() + kRecheck;
  std::error_code error;
  if (!std::filesystem::exists(path_, error) && !error) {
    // An optional Secret volume whose Secret does not exist yet: the file
    // appears once the operator creates it, and current() picks it up.
    spdlog::warn(
        "admin token file '{}' does not exist yet; admin writes answer 403 until it appears",
        path_);
    warned_ = true;
    return;
  }
  identity_ = file_identity_of(path_).value_or(FileIdentity{});
  token_ = read_token_file(path_);
}

std::string TokenFile::current() {
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (now < next_check_) return token_;
  next_check_ = now + kRecheck;
  const std::optional<FileIdentity> seen = file_identity_of(path_);
  if (seen && *seen == identity_) return token_;
  try {
    token_ = read_token_file(path_);
    identity_ = seen.value_or(FileIdentity{});
    if (warned_) spdlog::info("admin token file '{}' readable again", path_);
    warned_ = false;
    spdlog::info("admin token file '{}' re-read", path_);
  } catch (const std::exception& e) {
    if (!warned_) spdlog::warn("{}; keeping the previous token", e.what());
    warned_ = true;
  }
  return token_;
}

}  // namespace trove::common
