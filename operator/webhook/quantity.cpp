#include "webhook/quantity.hpp"

#include <array>

namespace trove::webhook {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::size_t skip_digits(std::string_view text, std::size_t i) {
  while (i < text.size() && is_digit(text[i]))
    ++i;
  return i;
}

// The number part: digits, optionally '.', optionally digits; at least one digit.
std::size_t number_end(std::string_view text) {
  std::size_t i = text.empty() || text[0] != '+' ? 0 : 1;
  const std::size_t int_start = i;
  i = skip_digits(text, i);
  std::size_t digits = i - int_start;
  if (i < text.size() && text[i] == '.') {
    const std::size_t frac_start = ++i;
    i = skip_digits(text, i);
    digits += i - frac_start;
  }
  return digits == 0 ? std::string_view::npos : i;
}

bool is_suffix(std::string_view suffix) {
  constexpr std::array<std::string_view, 16> kSuffixes = {
      "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "n", "u", "m", "k", "M", "G", "T", "P", "E"};
  for (const auto s : kSuffixes) {
    if (s == suffix) return true;
  }
  if (suffix.size() < 2 || (suffix[0] != 'e' && suffix[0] != 'E')) return false;
  std::size_t i = suffix[1] == '+' || suffix[1] == '-' ? 2 : 1;
  return i < suffix.size() && skip_digits(suffix, i) == suffix.size();
}

}  // namespace

bool is_valid_quantity(std::string_view text) {
  if (text.empty() || text.size() > kMaxQuantityBytes) return false;
  const std::size_t end = number_end(text);
  if (end == std::string_view::npos) return false;
  return is_suffix(text.substr(end));
}

}  // namespace trove::webhook
