#include "ingest/json_check.hpp"

#include <cstddef>

namespace trove::ingest {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

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
      if (c == '\\' && !escape()) return false;
    }
    return false;
  }

  bool escape() {
    if (at_ >= text_.size()) return false;
    const char c = text_[at_++];
    if (c != 'u') return std::string_view("\"\\/bfnrt").find(c) != std::string_view::npos;
    for (int i = 0; i < 4; ++i) {
      if (at_ >= text_.size() || !is_hex(text_[at_++])) return false;
    }
    return true;
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

bool is_json_value(std::string_view text) {
  return Checker(text).whole_value();
}

}  // namespace trove::ingest
