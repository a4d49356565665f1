#include "api_state.hpp"

#include <ctime>
#include <optional>

namespace trove::fakeapi {

void ApiState::count_request(const std::string& verb, const std::string& resource) {
  std::lock_guard lock(stats_mutex);
  ++stats.requests_by_verb[verb];
  ++stats.requests_by_verb_resource[verb + " " + resource];
  if (verb == "list") ++stats.lists;
}

std::string ApiState::new_uid() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  std::uint64_t a = random();
  std::uint64_t b = random();
  for (int i = 0; i < 32; ++i) {
    std::uint64_t& src = i < 16 ? a : b;
    int nibble = static_cast<int>(src & 0xf);
    src >>= 4;
    if (i == 12) nibble = 4;                 // version 4
    if (i == 16) nibble = 8 | (nibble & 3);  // RFC 4122 variant
    out.push_back(kHex[nibble]);
    if (i == 7 || i == 11 || i == 15 || i == 19) out.push_back('-');
  }
  return out;
}

std::string ApiState::random_suffix(std::size_t length) {
  // kube-apiserver's alphabet for generated names: no vowels, no 0/1/3.
  static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  std::string out;
  for (std::size_t i = 0; i < length; ++i)
    out.push_back(kAlphabet[random() % (sizeof kAlphabet - 1)]);
  return out;
}

std::string rfc3339_now() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

std::optional<std::int64_t> parse_rfc3339(std::string_view text) {
  std::tm t{};
  std::string copy(text.substr(0, 19));
  const char* end = strptime(copy.c_str(), "%Y-%m-%dT%H:%M:%S", &t);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return static_cast<std::int64_t>(timegm(&t));
}

}  // namespace trove::fakeapi
