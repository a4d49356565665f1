#include "controller/duration.hpp"

#include <cmath>
#include <cstdlib>
#include <string>

namespace trove::controller {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  constexpr double kMaxMillis = 24.0 * 3600 * 1000;
  if (text.empty() || text.size() > 32) return std::nullopt;
  std::size_t unit_at = 0;
  while (unit_at < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[unit_at])) || text[unit_at] == '.')) {
    ++unit_at;
  }
  if (unit_at == 0) return std::nullopt;
  const std::string number(text.substr(0, unit_at));
  if (number.find('.') != number.rfind('.')) return std::nullopt;  // two dots
  char* end = nullptr;
  const double value = std::strtod(number.c_str(), &end);
  if (end != number.c_str() + number.size() || !std::isfinite(value)) return std::nullopt;
  const std::string_view unit = text.substr(unit_at);
  double scale = 0;
  if (unit.empty() || unit == "s") {
    scale = 1000;
  } else if (unit == "ms") {
    scale = 1;
  } else if (unit == "m") {
    scale = 60'000;
  } else if (unit == "h") {
    scale = 3'600'000;
  } else {
    return std::nullopt;
  }
  const double ms = value * scale;
  if (ms > kMaxMillis) return std::nullopt;
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(ms)));
}

}  // namespace trove::controller
