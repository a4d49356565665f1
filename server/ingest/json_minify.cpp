#include "ingest/json_minify.hpp"

#include <cstring>

#include "ingest/json_check.hpp"

namespace trove::ingest {

namespace {

bool is_whitespace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Recursive descent, like json_check's Checker, that also emits every byte
// it consumes outside whitespace. Output past `out` is counted, not written.
class Minifier {
 public:
  Minifier(std::string_view text, std::size_t base_depth, std::size_t max_depth,
           std::span<char> out)
      : text_(text), depth_(base_depth), max_depth_(max_depth), out_(out) {}

  MinifyResult run() {
    skip_whitespace();
    const bool valid = value() && (skip_whitespace(), at_ == text_.size());
    MinifyResult result;
    result.size = written_;
    if (too_deep_) {
      result.status = MinifyStatus::too_deep;
    } else if (!valid) {
      result.status = MinifyStatus::malformed;
    } else if (written_ > out_.size()) {
      result.status = MinifyStatus::too_large;
    }
    return result;
  }

 private:
  bool value() {
    if (at_ >= text_.size()) return false;
    switch (text_[at_]) {
      case '{':
        return container('}', true);
      case '[':
        return container(']', false);
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

  // An object's members or an array's elements, brackets included.
  bool container(char close, bool is_object) {
    if (++depth_ > max_depth_) {
      too_deep_ = true;
      return false;
    }
    emit(text_.substr(at_++, 1));
    skip_whitespace();
    if (!take(close)) {
      do {
        skip_whitespace();
        if (is_object && !member_key()) return false;
        if (!value()) return false;
        skip_whitespace();
      } while (take(','));
      if (!take(close)) return false;
    }
    --depth_;
    return true;
  }

  bool member_key() {
    if (at_ >= text_.size() || text_[at_] != '"' || !string()) return false;
    skip_whitespace();
    if (!take(':')) return false;
    skip_whitespace();
    return true;
  }

  bool string() {
    const std::size_t from = at_++;  // the opening quote
    while (at_ < text_.size()) {
      const char c = text_[at_++];
      if (c == '"') {
        emit(text_.substr(from, at_ - from));
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c == '\\' && !take_json_escape(text_, at_)) return false;
    }
    return false;
  }

  bool literal(std::string_view word) {
    if (text_.substr(at_, word.size()) != word) return false;
    emit(word);
    at_ += word.size();
    return true;
  }

  bool number() {
    const std::size_t from = at_;
    while (at_ < text_.size() &&
           std::string_view("0123456789+-.eE").find(text_[at_]) != std::string_view::npos) {
      ++at_;
    }
    const std::string_view token = text_.substr(from, at_ - from);
    if (!is_json_number(token)) return false;
    emit(token);
    return true;
  }

  bool take(char c) {
    if (at_ >= text_.size() || text_[at_] != c) return false;
    emit(text_.substr(at_++, 1));
    return true;
  }

  void skip_whitespace() {
    while (at_ < text_.size() && is_whitespace(text_[at_]))
      ++at_;
  }

  void emit(std::string_view bytes) {
    if (written_ + bytes.size() <= out_.size()) {
      std::memcpy(out_.data() + written_, bytes.data(), bytes.size());
    }
    written_ += bytes.size();
  }

  std::string_view text_;
  std::size_t at_ = 0;
  std::size_t depth_;
  std::size_t max_depth_;
  std::span<char> out_;
  std::size_t written_ = 0;
  bool too_deep_ = false;
};

}  // namespace

MinifyResult minify_json(std::string_view text, std::size_t base_depth, std::size_t max_depth,
                         std::span<char> out) {
  return Minifier(text, base_depth, max_depth, out).run();
}

}  // namespace trove::ingest
