#include "jsonpath.hpp"

#include <cctype>
#include <charconv>

namespace trove::fakeapi {

namespace {

// Printer column paths are short; a long one is hostile input.
constexpr std::size_t kMaxPathLength = 4096;

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '$' ||
         c == '/';
}

// Reads a dotted name at text[pos] (backslash escapes a dot).
std::string read_name(std::string_view text, std::size_t& pos) {
  std::string name;
  while (pos < text.size()) {
    char c = text[pos];
    if (c == '\\' && pos + 1 < text.size()) {
      name.push_back(text[pos + 1]);
      pos += 2;
    } else if (is_name_char(c)) {
      name.push_back(c);
      ++pos;
    } else {
      break;
    }
  }
  return name;
}

std::optional<std::string> read_quoted(std::string_view text, std::size_t& pos) {
  char quote = text[pos];
  std::size_t end = text.find(quote, pos + 1);
  if (end == std::string_view::npos) return std::nullopt;
  std::string out(text.substr(pos + 1, end - pos - 1));
  pos = end + 1;
  return out;
}

// Parses `?(@.a.b == literal)` at text[pos] (after the '[').
bool read_filter(std::string_view text, std::size_t& pos, JsonPath::Step& step) {
  if (text.substr(pos, 3) != "?(@") return false;
  pos += 3;
  while (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::string name = read_name(text, pos);
    if (name.empty()) return false;
    step.filter_path.push_back(std::move(name));
  }
  while (pos < text.size() && text[pos] == ' ')
    ++pos;
  if (text.substr(pos, 2) == "==") {
    step.filter_not_equal = false;
  } else if (text.substr(pos, 2) == "!=") {
    step.filter_not_equal = true;
  } else {
    return false;
  }
  pos += 2;
  while (pos < text.size() && text[pos] == ' ')
    ++pos;
  if (pos >= text.size()) return false;
  if (text[pos] == '"' || text[pos] == '\'') {
    auto s = read_quoted(text, pos);
    if (!s) return false;
    step.literal_json = json::quote(*s);
  } else {
    std::size_t start = pos;
    while (pos < text.size() && text[pos] != ')' && text[pos] != ' ')
      ++pos;
    std::string literal(text.substr(start, pos - start));
    json::Document probe;
    if (literal.empty() || !json::parse(literal, probe, nullptr) ||
        !(probe.IsNumber() || probe.IsBool() || probe.IsNull())) {
      return false;
    }
    step.literal_json = literal;
  }
  while (pos < text.size() && text[pos] == ' ')
    ++pos;
  if (pos >= text.size() || text[pos] != ')') return false;
  ++pos;
  return true;
}

}  // namespace

std::optional<JsonPath> JsonPath::parse(std::string_view text, std::string* error) {
  auto fail = [&](const std::string& why) -> std::optional<JsonPath> {
    if (error != nullptr) *error = why;
    return std::nullopt;
  };
  if (text.size() > kMaxPathLength) return fail("JSONPath too long");
  if (text.size() >= 2 && text.front() == '{' && text.back() == '}') {
    text = text.substr(1, text.size() - 2);
  }
  JsonPath out;
  std::size_t pos = 0;
  if (text.empty()) return fail("empty JSONPath");
  while (pos < text.size()) {
    Step step;
    if (text[pos] == '.') {
      ++pos;
      step.field = read_name(text, pos);
      if (step.field.empty()) return fail("expected a field name at " + std::to_string(pos));
    } else if (text[pos] == '[') {
      ++pos;
      if (pos >= text.size()) return fail("unterminated [");
      if (text[pos] == '*') {
        step.kind = Step::Kind::kWildcard;
        ++pos;
      } else if (text[pos] == '\'' || text[pos] == '"') {
        auto name = read_quoted(text, pos);
        if (!name) return fail("unterminated quoted name");
        step.field = std::move(*name);
      } else if (text[pos] == '?') {
        step.kind = Step::Kind::kFilter;
        if (!read_filter(text, pos, step)) return fail("unsupported filter expression");
      } else {
        step.kind = Step::Kind::kIndex;
        const char* begin = text.data() + pos;
        const char* end = text.data() + text.size();
        auto [ptr, ec] = std::from_chars(begin, end, step.index);
        if (ec != std::errc()) return fail("expected an index, '*' or a filter");
        pos += static_cast<std::size_t>(ptr - begin);
      }
      if (pos >= text.size() || text[pos] != ']') return fail("expected ]");
      ++pos;
    } else {
      return fail("unexpected character '" + std::string(1, text[pos]) + "' at " +
                  std::to_string(pos));
    }
    out.steps_.push_back(std::move(step));
  }
  return out;
}

std::vector<const json::Value*> JsonPath::evaluate(const json::Value& root) const {
  std::vector<const json::Value*> current{&root};
  std::vector<const json::Value*> next;
  for (const Step& step : steps_) {
    next.clear();
    json::Document literal;
    if (step.kind == Step::Kind::kFilter) json::parse(step.literal_json, literal, nullptr);
    for (const json::Value* v : current) {
      switch (step.kind) {
        case Step::Kind::kField:
          if (const json::Value* child = json::find(*v, step.field)) next.push_back(child);
          break;
        case Step::Kind::kIndex:
          if (v->IsArray()) {
            long size = static_cast<long>(v->Size());
            long i = step.index < 0 ? size + step.index : step.index;
            if (i >= 0 && i < size) next.push_back(&(*v)[static_cast<rapidjson::SizeType>(i)]);
          }
          break;
        case Step::Kind::kWildcard:
          if (v->IsArray()) {
            for (const auto& item : v->GetArray())
              next.push_back(&item);
          } else if (v->IsObject()) {
            for (const auto& m : v->GetObject())
              next.push_back(&m.value);
          }
          break;
        case Step::Kind::kFilter:
          if (!v->IsArray()) break;
          for (const auto& item : v->GetArray()) {
            const json::Value* probe = &item;
            for (const std::string& part : step.filter_path) {
              probe = probe == nullptr ? nullptr : json::find(*probe, part);
            }
            if (probe == nullptr) continue;
            bool equal = *probe == static_cast<const json::Value&>(literal);
            if (equal != step.filter_not_equal) next.push_back(&item);
          }
          break;
      }
    }
    current.swap(next);
  }
  return current;
}

}  // namespace trove::fakeapi
