#include "yaml_body.hpp"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>

namespace trove::fakeapi {

namespace {

// Kubernetes objects are shallow and small; deeper nesting or more nodes
// (aliases expand: "billion laughs") is an attack.
constexpr int kMaxDepth = 100;
constexpr std::size_t kMaxNodes = 1'000'000;

// YAML 1.2 core schema floats: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool looks_like_float(const std::string& s) {
  std::size_t i = 0;
  auto digits = [&] {
    std::size_t from = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9')
      ++i;
    return i - from;
  };
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  std::size_t mantissa = digits();
  if (i < s.size() && s[i] == '.') {
    ++i;
    mantissa += digits();
  }
  if (mantissa == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    if (digits() == 0) return false;
  }
  return i == s.size();
}

json::Value scalar(const YAML::Node& node, json::Allocator& a) {
  const std::string& text = node.Scalar();
  if (node.Tag() != "!") {
    if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
      return json::Value();
    }
    if (text == "true" || text == "True" || text == "TRUE") return json::Value(true);
    if (text == "false" || text == "False" || text == "FALSE") return json::Value(false);
    std::int64_t i = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
    if (ec == std::errc() && ptr == text.data() + text.size()) return json::Value(i);
    if (looks_like_float(text)) {
      double d = std::strtod(text.c_str(), nullptr);
      if (std::isfinite(d)) return json::Value(d);
    }
  }
  return json::str(text, a);
}

bool convert(const YAML::Node& node, json::Value& out, json::Allocator& a, int depth,
             std::size_t& budget) {
  if (depth > kMaxDepth || budget == 0) return false;
  --budget;
  switch (node.Type()) {
    case YAML::NodeType::Map:
      out.SetObject();
      for (const auto& kv : node) {
        json::Value v;
        if (!kv.first.IsScalar() || !convert(kv.second, v, a, depth + 1, budget)) return false;
        json::set(out, kv.first.Scalar(), std::move(v), a);
      }
      return true;
    case YAML::NodeType::Sequence:
      out.SetArray();
      for (const auto& item : node) {
        json::Value v;
        if (!convert(item, v, a, depth + 1, budget)) return false;
        out.PushBack(std::move(v), a);
      }
      return true;
    case YAML::NodeType::Scalar:
      out = scalar(node, a);
      return true;
    default:
      out.SetNull();
      return true;
  }
}

}  // namespace

bool parse_json_or_yaml(std::string_view text, json::Document& out, std::string* error) {
  std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && (text[first] == '{' || text[first] == '[')) {
    return json::parse(text, out, error);
  }
  try {
    YAML::Node node = YAML::Load(std::string(text));
    std::size_t budget = kMaxNodes;
    if (!convert(node, out, out.GetAllocator(), 0, budget)) {
      if (error != nullptr) *error = "YAML too deep, too large or with a non-scalar key";
      return false;
    }
    return true;
  } catch (const YAML::Exception& e) {
    if (error != nullptr) *error = e.what();
    return false;
  }
}

}  // namespace trove::fakeapi
