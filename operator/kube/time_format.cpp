#include "kube/time_format.hpp"

#include <cstdio>
#include <ctime>

namespace trove::kube {
namespace {

std::tm utc(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}

}  // namespace

std::string format_micro_time(std::chrono::system_clock::time_point t) {
  const std::tm tm = utc(t);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch() %
                                                                            std::chrono::seconds{1})
                          .count();
  char buf[96];  // room for any int the formatter could print
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long>(micros < 0 ? micros + 1'000'000 : micros));
  return buf;
}

std::string format_time(std::chrono::system_clock::time_point t) {
  const std::tm tm = utc(t);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::optional<std::chrono::system_clock::time_point> parse_time(std::string_view text) {
  if (text.size() < 20 || text.size() > 40 || text.back() != 'Z') return std::nullopt;
  auto digits = [&](std::size_t pos, std::size_t n, int& out) {
    out = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      out = out * 10 + (text[i] - '0');
    }
    return true;
  };
  int y, mo, d, h, mi, s;
  if (!digits(0, 4, y) || text[4] != '-' || !digits(5, 2, mo) || text[7] != '-' ||
      !digits(8, 2, d) || text[10] != 'T' || !digits(11, 2, h) || text[13] != ':' ||
      !digits(14, 2, mi) || text[16] != ':' || !digits(17, 2, s))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  std::chrono::microseconds fraction{0};
  std::size_t pos = 19;
  if (text[pos] == '.') {
    ++pos;
    long long scale = 100'000;
    long long micros = 0;
    if (pos >= text.size() - 1) return std::nullopt;
    for (; pos < text.size() - 1; ++pos) {
      if (text[pos] < '0' || text[pos] > '9') return std::nullopt;
      micros += (text[pos] - '0') * scale;
      scale /= 10;
    }
    fraction = std::chrono::microseconds{micros};
  }
  if (pos != text.size() - 1) return std::nullopt;
  const std::chrono::sys_days day = std::chrono::year{y} /
                                    std::chrono::month{static_cast<unsigned>(mo)} /
                                    std::chrono::day{static_cast<unsigned>(d)};
  return std::chrono::system_clock::time_point{day} + std::chrono::hours{h} +
         std::chrono::minutes{mi} + std::chrono::seconds{s} + fraction;
}

}  // namespace trove::kube
