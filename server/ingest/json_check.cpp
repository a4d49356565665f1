#include "ingest/json_check.hpp"

#include <cstddef>
#include <cstdint>

namespace trove::ingest {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// A UTF-16 code unit's 4 hex digits at text[at], or -1.
std::int32_t hex4(std::string_view text, std::size_t at) {
  if (at > text.size() || text.size() - at < 4) return -1;
  std::int32_t unit = 0;
  for (std::size_t i = at; i < at + 4; ++i) {
    const char c = text[i];
    std::int32_t digit = 0;
    if (is_digit(c)) {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      return -1;
    }
    unit = unit * 16 + digit;
  }
  return unit;
}

constexpr std::int32_t kHighSurrogateFirst = 0xD800;
constexpr std::int32_t kLowSurrogateFirst = 0xDC00;
constexpr std::int32_t kLowSurrogateLast = 0xDFFF;

// A recursive-descent reader that only says whether the text is JSON.
class Checker {
 public:
  explicit Checker(std::string_view text) : text_(text) {}

  bool whole_value() {
    skip_whitespace();
    if (!value()) return false;
    skip_whitespace();
    return at_ == text_.size();
  }

 private:
  bool value() {
    if (at_ >= text_.size()) return false;
    switch (text_[at_]) {
      case '{':
        return members();
      case '[':
        return elements();
      case '"':
        return string();
      case 't':
        return literal("true");
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
      default:
        return number();
    }
  }

  bool members() {
    ++at_;
    skip_whitespace();
    if (take('}')) return true;
    do {
      skip_whitespace();
      if (at_ >= text_.size() || text_[at_] != '"' || !string()) return false;
      skip_whitespace();
      if (!take(':')) return false;
      skip_whitespace();
      if (!value()) return false;
      skip_whitespace();
    } while (take(','));
    return take('}');
  }

  bool elements() {
    ++at_;
    skip_whitespace();
    if (take(']')) return true;
    do {
      skip_whitespace();
      if (!value()) return false;
      skip_whitespace();
    } while (take(','));
    return take(']');
  }

  bool string() {
    ++at_;  // the opening quote
    while (at_ < text_.size()) {
      const char c = text_[at_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c == '\\' && !take_json_escape(text_, at_)) return false;
    }
    return false;
  }

  bool literal(std::string_view word) {
    if (text_.substr(at_, word.size()) != word) return false;
    at_ += word.size();
    return true;
  }

  bool number() {
    const std::size_t from = at_;
    while (at_ < text_.size() &&
           std::string_view("0123456789+-.eE").find(text_[at_]) != std::string_view::npos) {
      ++at_;
    }
    return is_json_number(text_.substr(from, at_ - from));
  }

  bool take(char c) {
    if (at_ >= text_.size() || text_[at_] != c) return false;
    ++at_;
    return true;
  }

  void skip_whitespace() {
    while (at_ < text_.size() &&
           (text_[at_] == ' ' || text_[at_] == '\t' || text_[at_] == '\n' || text_[at_] == '\r')) {
      ++at_;
    }
  }

  std::string_view text_;
  std::size_t at_ = 0;
};

}  // namespace

bool is_json_number(std::string_view t) {
  std::size_t i = 0;
  const auto digits = [&] {
    const std::size_t from = i;
    while (i < t.size() && is_digit(t[i]))
      ++i;
    return i > from;
  };
  if (i < t.size() && t[i] == '-') ++i;
  if (i < t.size() && t[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < t.size() && t[i] == '.' && (++i, !digits())) return false;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == t.size();
}

bool take_json_escape(std::string_view text, std::size_t& at) {
  if (at >= text.size()) return false;
  const char c = text[at++];
  if (c != 'u') return std::string_view("\"\\/bfnrt").find(c) != std::string_view::npos;
  const std::int32_t unit = hex4(text, at);
  if (unit < 0) return false;
  at += 4;
  if (unit < kHighSurrogateFirst || unit > kLowSurrogateLast) return true;
  if (unit >= kLowSurrogateFirst) return false;  // a low surrogate alone
  // A high surrogate needs a low one right after it.
  if (text.substr(at, 2) != "\\u") return false;
  const std::int32_t low = hex4(text, at + 2);
  if (low < kLowSurrogateFirst || low > kLowSurrogateLast) return false;
  at += 6;
  return true;
}

bool is_json_value(std::string_view text) {
  return Checker(text).whole_value();
}

}  // namespace trove::ingest
