#include "controller/label_selector.hpp"

#include <algorithm>

namespace trove::controller {

namespace {

// Same limits as the CRD schema: a selector is small by construction.
constexpr rapidjson::SizeType kMaxTerms = 64;
constexpr rapidjson::SizeType kMaxValues = 64;

bool requirement_holds(const SelectorRequirement& r, const Labels& labels) {
  auto it = labels.find(r.key);
  const bool present = it != labels.end();
  switch (r.op) {
    case SelectorRequirement::Op::kExists:
      return present;
    case SelectorRequirement::Op::kDoesNotExist:
      return !present;
    case SelectorRequirement::Op::kIn:
      return present && std::find(r.values.begin(), r.values.end(), it->second) != r.values.end();
    case SelectorRequirement::Op::kNotIn:
      return !present || std::find(r.values.begin(), r.values.end(), it->second) == r.values.end();
  }
  return false;
}

}  // namespace

bool LabelSelector::matches(const Labels& labels) const {
  if (empty()) return false;
  for (const auto& [k, v] : match_labels) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  return std::all_of(match_expressions.begin(), match_expressions.end(),
                     [&](const SelectorRequirement& r) { return requirement_holds(r, labels); });
}

namespace {

// Reads selector.matchLabels into sel; false (with `error`) when malformed.
bool read_match_labels(const rapidjson::Value& labels, LabelSelector& sel, std::string& error) {
  if (!labels.IsObject() || labels.MemberCount() > kMaxTerms) {
    error = "selector.matchLabels: not an object of at most 64 labels";
    return false;
  }
  for (const auto& m : labels.GetObject()) {
    if (!m.value.IsString()) {
      error = "selector.matchLabels." + std::string(m.name.GetString()) + ": not a string";
      return false;
    }
    sel.match_labels[m.name.GetString()] = m.value.GetString();
  }
  return true;
}

std::optional<SelectorRequirement::Op> parse_operator(const std::string& o) {
  if (o == "In") return SelectorRequirement::Op::kIn;
  if (o == "NotIn") return SelectorRequirement::Op::kNotIn;
  if (o == "Exists") return SelectorRequirement::Op::kExists;
  if (o == "DoesNotExist") return SelectorRequirement::Op::kDoesNotExist;
  return std::nullopt;
}

// Reads a term's "values" (absent: none); false when malformed.
bool read_values(const rapidjson::Value& term, SelectorRequirement& r, std::string& error) {
  auto vals = term.FindMember("values");
  if (vals == term.MemberEnd()) return true;
  if (!vals->value.IsArray() || vals->value.Size() > kMaxValues) {
    error = "selector.matchExpressions.values: not an array of at most 64 strings";
    return false;
  }
  for (const auto& s : vals->value.GetArray()) {
    if (!s.IsString()) {
      error = "selector.matchExpressions.values: not a string";
      return false;
    }
    r.values.emplace_back(s.GetString());
  }
  return true;
}

std::optional<SelectorRequirement> read_requirement(const rapidjson::Value& e, std::string& error) {
  if (!e.IsObject()) {
    error = "selector.matchExpressions: each term must be an object";
    return std::nullopt;
  }
  auto key = e.FindMember("key");
  auto op = e.FindMember("operator");
  if (key == e.MemberEnd() || !key->value.IsString() || op == e.MemberEnd() ||
      !op->value.IsString()) {
    error = "selector.matchExpressions: each term needs string key and operator";
    return std::nullopt;
  }
  SelectorRequirement r;
  r.key = key->value.GetString();
  const std::string o = op->value.GetString();
  const auto parsed_op = parse_operator(o);
  if (!parsed_op) {
    error = "selector.matchExpressions: unknown operator " + o;
    return std::nullopt;
  }
  r.op = *parsed_op;
  if (!read_values(e, r, error)) return std::nullopt;
  const bool wants_values =
      r.op == SelectorRequirement::Op::kIn || r.op == SelectorRequirement::Op::kNotIn;
  if (wants_values == r.values.empty()) {
    error =
        "selector.matchExpressions: " + o + (wants_values ? " needs values" : " takes no values");
    return std::nullopt;
  }
  return r;
}

// Reads selector.matchExpressions into sel; false when malformed.
bool read_match_expressions(const rapidjson::Value& terms, LabelSelector& sel, std::string& error) {
  if (!terms.IsArray() || terms.Size() > kMaxTerms) {
    error = "selector.matchExpressions: not an array of at most 64 terms";
    return false;
  }
  for (const auto& e : terms.GetArray()) {
    auto r = read_requirement(e, error);
    if (!r) return false;
    sel.match_expressions.push_back(std::move(*r));
  }
  return true;
}

}  // namespace

std::optional<LabelSelector> parse_label_selector(const rapidjson::Value& v, std::string& error) {
  if (!v.IsObject()) {
    error = "selector: not an object";
    return std::nullopt;
  }
  LabelSelector sel;
  if (auto it = v.FindMember("matchLabels");
      it != v.MemberEnd() && !read_match_labels(it->value, sel, error)) {
    return std::nullopt;
  }
  if (auto it = v.FindMember("matchExpressions");
      it != v.MemberEnd() && !read_match_expressions(it->value, sel, error)) {
    return std::nullopt;
  }
  if (sel.empty()) {
    error = "selector: empty (would select every pod)";
    return std::nullopt;
  }
  return sel;
}

Labels parse_labels(const rapidjson::Value* v) {
  Labels out;
  if (v == nullptr || !v->IsObject()) return out;
  for (const auto& m : v->GetObject()) {
    if (m.value.IsString()) out[m.name.GetString()] = m.value.GetString();
  }
  return out;
}

}  // namespace trove::controller
