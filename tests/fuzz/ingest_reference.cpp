#include "ingest_reference.hpp"

#include <rapidjson/encodings.h>
#include <rapidjson/reader.h>

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <vector>

namespace trove::fuzz {

namespace {

using ingest::RejectCode;

// simdjson's default depth limit, checked while the whole line is indexed.
constexpr std::size_t kParserMaxDepth = 1024;

enum class Kind { kNull, kBool, kNumber, kString, kContainer };

// One member of the message object, as the reader saw it.
struct Member {
  std::string key;
  bool key_escaped = false;
  Kind kind = Kind::kNull;
  std::string text;           // a string's value, or a number's token
  std::size_t depth = 1;      // deepest level inside the value (the message is 1)
  std::size_t after_key = 0;  // offset just past the key's closing quote
};

bool valid_utf8(std::string_view line);

// Collects the root's members and the deepest nesting. Numbers arrive as
// their raw tokens (kParseNumbersAsStringsFlag). A string or key whose
// escapes decode to an unpaired surrogate is marked: RapidJSON lets it
// through as invalid UTF-8, simdjson (rightly) refuses it.
struct Collector : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, Collector> {
  bool lone_surrogate = false;
  std::size_t depth = 0;
  std::size_t max_depth = 0;
  bool root_is_object = false;
  std::vector<Member> members;

  bool value(Kind kind, std::string_view text) {
    if (depth == 0) return true;  // a scalar root
    if (depth == 1 && root_is_object) {
      members.back().kind = kind;
      members.back().text = text;
    }
    return true;
  }
  bool Default() { return value(Kind::kBool, {}); }
  bool Null() { return value(Kind::kNull, {}); }
  // Numbers are masked before the reader sees them (mask_numbers); their
  // tokens come back here in document order.
  const std::vector<std::string>* numbers = nullptr;
  std::size_t next_number = 0;
  bool RawNumber(const char*, rapidjson::SizeType, bool) {
    return value(Kind::kNumber, (*numbers)[next_number++]);
  }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    if (!valid_utf8({s, n})) lone_surrogate = true;
    return value(Kind::kString, {s, n});
  }
  bool open() {
    if (depth == 1 && root_is_object) members.back().kind = Kind::kContainer;
    ++depth;
    if (depth > max_depth) max_depth = depth;
    if (depth >= 2 && root_is_object) {
      members.back().depth = std::max(members.back().depth, depth);
    }
    return true;
  }
  bool StartObject() {
    if (depth == 0) root_is_object = true;
    return open();
  }
  bool StartArray() { return open(); }
  bool EndObject(rapidjson::SizeType) { return --depth, true; }
  bool EndArray(rapidjson::SizeType) { return --depth, true; }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    if (!valid_utf8({s, n})) lone_surrogate = true;
    if (depth == 1 && root_is_object) {
      members.emplace_back();
      members.back().key.assign(s, n);
    }
    return true;
  }
};

// For each key of the root object of `json` (valid JSON), in order: whether
// it is spelled with an escape (the hot path compares keys as written, so
// "b\u006fx" is not "box" there), and the offset just past its closing
// quote (RapidJSON's handlers cannot tell where the reader is).
struct RootKey {
  bool escaped = false;
  std::size_t end = 0;
};
std::vector<RootKey> root_keys(std::string_view json) {
  std::vector<RootKey> keys;
  std::size_t depth = 0;
  for (std::size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (c == '{' || c == '[') ++depth;
    if (c == '}' || c == ']') --depth;
    if (c != '"') continue;
    bool backslash = false;
    std::size_t end = i + 1;
    for (; json[end] != '"'; ++end) {
      if (json[end] == '\\') backslash = true, ++end;
    }
    std::size_t next = end + 1;
    while (next < json.size() &&
           (json[next] == ' ' || json[next] == '\t' || json[next] == '\r' || json[next] == '\n')) {
      ++next;
    }
    if (depth == 1 && next < json.size() && json[next] == ':') keys.push_back({backslash, end + 1});
    i = end;
  }
  return keys;
}

// JSON's number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
bool is_json_number(std::string_view t) {
  std::size_t i = 0;
  const auto digits = [&] {
    const std::size_t from = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9')
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

// RapidJSON refuses numbers beyond a double's range, which JSON allows (the
// hot path skips them in unknown fields). Every number token outside strings
// is checked against the grammar, kept, and replaced by "0" and spaces, so
// the reader checks only the structure. false: a token is not a number.
bool mask_numbers(std::string& text, std::vector<std::string>& tokens) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '"') {
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\') ++i;
      }
      continue;
    }
    if (text[i] != '-' && (text[i] < '0' || text[i] > '9')) continue;
    std::size_t end = i;
    while (end < text.size() &&
           std::string_view("0123456789+-.eE").find(text[end]) != std::string_view::npos) {
      ++end;
    }
    tokens.emplace_back(text, i, end - i);
    if (!is_json_number(tokens.back())) return false;
    text.replace(i, end - i, std::string(end - i, ' '));
    text[i] = '0';
    i = end - 1;
  }
  return true;
}

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t") == std::string_view::npos;
}

// UTF-8 as RFC 3629 defines it: no overlong forms, no surrogates, nothing
// above U+10FFFF, no sequence cut by the end of the line.
bool valid_utf8(std::string_view line) {
  std::size_t i = 0;
  while (i < line.size()) {
    const auto b = static_cast<unsigned char>(line[i]);
    std::size_t extra = 0;
    std::uint32_t cp = 0;
    if (b < 0x80) {
      ++i;
      continue;
    }
    if (b >= 0xC2 && b <= 0xDF) {
      extra = 1, cp = b & 0x1FU;
    } else if (b >= 0xE0 && b <= 0xEF) {
      extra = 2, cp = b & 0x0FU;
    } else if (b >= 0xF0 && b <= 0xF4) {
      extra = 3, cp = b & 0x07U;
    } else {
      return false;
    }
    if (i + extra >= line.size()) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto c = static_cast<unsigned char>(line[i + k]);
      if ((c & 0xC0U) != 0x80U) return false;
      cp = (cp << 6U) | (c & 0x3FU);
    }
    const std::uint32_t min = extra == 1 ? 0x80 : extra == 2 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

// The JSON value starting at `from` of valid JSON `text`, found by its own
// scan: brackets counted outside strings, a scalar ending at a delimiter.
std::string_view value_at(std::string_view text, std::size_t from) {
  while (text[from] == ' ' || text[from] == '\t' || text[from] == '\r' || text[from] == '\n' ||
         text[from] == ':') {
    ++from;
  }
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = from; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
        if (depth == 0) return text.substr(from, i + 1 - from);
      }
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '{' || c == '[') ++depth;
    if ((c == '}' || c == ']') && depth > 0 && --depth == 0) return text.substr(from, i + 1 - from);
    if (depth == 0 &&
        (c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\r' || c == '\n')) {
      return text.substr(from, i - from);
    }
  }
  return text.substr(from);
}

// Whitespace outside strings removed: the stored form of `data`.
std::string minified(std::string_view json) {
  std::string out;
  bool in_string = false;
  for (std::size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      out += c;
      if (c == '\\') {
        out += json[++i];
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
      out += c;
    } else if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
      out += c;
    }
  }
  return out;
}

std::optional<RejectCode> read_data(const Member& m, std::string_view text,
                                    const ingest::IngestConfig& config,
                                    std::optional<std::string>& out) {
  if (m.kind == Kind::kContainer && m.depth > config.max_depth) return RejectCode::too_deep;
  std::string stored = minified(value_at(text, m.after_key));
  if (stored.size() > config.max_data_bytes) return RejectCode::data_too_large;
  out = std::move(stored);
  return std::nullopt;
}

bool is_integer_token(std::string_view token) {
  return token.find_first_of(".eE") == std::string_view::npos;
}

std::optional<RejectCode> read_box(const Member& m, std::uint64_t& out) {
  if (m.kind != Kind::kNumber || !is_integer_token(m.text)) return RejectCode::wrong_type;
  if (m.text.front() == '-') return RejectCode::out_of_range;
  errno = 0;
  out = std::strtoull(m.text.c_str(), nullptr, 10);
  if (errno == ERANGE || out == 0) return RejectCode::out_of_range;
  return std::nullopt;
}

std::optional<RejectCode> read_ts(const Member& m, std::optional<std::int64_t>& out) {
  if (m.kind != Kind::kNumber || !is_integer_token(m.text)) return RejectCode::wrong_type;
  errno = 0;
  const long long value = std::strtoll(m.text.c_str(), nullptr, 10);
  if (errno == ERANGE || value < 0) return RejectCode::out_of_range;
  out = value;
  return std::nullopt;
}

// More than 18 exponent digits, leading zeros included (see extreme_exponent).
bool has_extreme_exponent(std::string_view token) {
  const std::size_t e = token.find_first_of("eE");
  if (e == std::string_view::npos) return false;
  std::string_view digits = token.substr(e + 1);
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) digits.remove_prefix(1);
  return digits.size() > 18;
}

std::optional<RejectCode> read_coordinate(const Member& m, std::optional<double>& out) {
  if (m.kind != Kind::kNumber) return RejectCode::wrong_type;
  const double value = std::strtod(m.text.c_str(), nullptr);
  if (!std::isfinite(value)) return RejectCode::not_finite;
  out = value;
  return std::nullopt;
}

std::optional<RejectCode> read_string(const Member& m, std::optional<std::string>& out) {
  if (m.kind != Kind::kString) return RejectCode::wrong_type;
  if (m.text.size() > ingest::kMaxStringFieldBytes) return RejectCode::string_too_long;
  out = m.text;
  return std::nullopt;
}

std::optional<RejectCode> read_state(const Member& m, std::optional<std::string>& out) {
  if (auto code = read_string(m, out)) return code;
  if (*out != "closed" && *out != "open" && *out != "claimed" && *out != "empty") {
    return RejectCode::unknown_state;
  }
  return std::nullopt;
}

// The schema, member by member in document order: the first problem wins.
std::optional<RejectCode> check_members(const std::vector<Member>& members, std::string_view text,
                                        const ingest::IngestConfig& config, ReferenceMessage& out,
                                        bool& has_box) {
  std::vector<std::string> seen;
  for (const Member& m : members) {
    const bool known =
        !m.key_escaped && (m.key == "box" || m.key == "hunt" || m.key == "state" || m.key == "x" ||
                           m.key == "y" || m.key == "ts" || m.key == "player" || m.key == "data");
    if (!known) {
      if (m.kind == Kind::kContainer && m.depth > config.max_depth) return RejectCode::too_deep;
      continue;
    }
    if (std::find(seen.begin(), seen.end(), m.key) != seen.end()) {
      return RejectCode::duplicate_field;
    }
    seen.push_back(m.key);
    std::optional<RejectCode> code;
    if (m.key == "box") code = read_box(m, out.box), has_box = !code;
    if (m.key == "hunt") code = read_string(m, out.hunt);
    if (m.key == "state") code = read_state(m, out.state);
    if (m.key == "x") code = read_coordinate(m, out.x);
    if (m.key == "y") code = read_coordinate(m, out.y);
    if (m.key == "ts") code = read_ts(m, out.ts);
    if (m.key == "player") code = read_string(m, out.player);
    if (m.key == "data") code = read_data(m, text, config, out.data);
    if (code) return code;
  }
  return std::nullopt;
}

}  // namespace

ReferenceResult decode_reference(std::string_view line, bool unterminated,
                                 const ingest::IngestConfig& config) {
  ReferenceResult r;
  if (line.size() > config.max_line_bytes) return r.code = RejectCode::line_too_long, r;
  if (line.empty() || ((line[0] == ' ' || line[0] == '\t') && is_blank(line))) {
    return r.code = RejectCode::empty_line, r;
  }
  const std::string text(line);  // NUL-terminated for the reader
  if (!valid_utf8(text)) {
    r.not_utf8 = true;
    return r.code = RejectCode::invalid_utf8, r;
  }

  std::string masked = text;
  std::vector<std::string> numbers;
  const bool numbers_ok = mask_numbers(masked, numbers);
  rapidjson::StringStream stream(masked.c_str());
  Collector collector;
  collector.numbers = &numbers;
  rapidjson::Reader reader;
  constexpr unsigned kFlags = rapidjson::kParseNumbersAsStringsFlag |
                              rapidjson::kParseStopWhenDoneFlag | rapidjson::kParseIterativeFlag |
                              rapidjson::kParseValidateEncodingFlag;
  const bool parsed = numbers_ok && !reader.Parse<kFlags>(stream, collector).IsError();
  const bool embedded_nul = text.find('\0') != std::string::npos;
  std::size_t rest = stream.Tell();
  while (rest < text.size() &&
         (text[rest] == ' ' || text[rest] == '\t' || text[rest] == '\r' || text[rest] == '\n')) {
    ++rest;
  }
  if (!parsed || embedded_nul || rest != text.size() || collector.lone_surrogate) {
    r.syntax_error = true;
    r.code = unterminated ? RejectCode::truncated : RejectCode::malformed_json;
    return r;
  }
  if (collector.max_depth > kParserMaxDepth) return r.code = RejectCode::too_deep, r;
  if (!collector.root_is_object) return r.code = RejectCode::not_an_object, r;
  const std::vector<RootKey> keys = root_keys(text);
  for (std::size_t i = 0; i < collector.members.size() && i < keys.size(); ++i) {
    collector.members[i].key_escaped = keys[i].escaped;
    collector.members[i].after_key = keys[i].end;
  }
  bool has_box = false;
  for (const Member& m : collector.members) {
    if ((m.key == "x" || m.key == "y") && m.kind == Kind::kNumber && has_extreme_exponent(m.text)) {
      r.extreme_exponent = true;
    }
  }
  if (auto code = check_members(collector.members, text, config, r.message, has_box)) {
    return r.code = code, r;
  }
  if (!has_box) return r.code = RejectCode::missing_box, r;
  return r;
}

}  // namespace trove::fuzz
