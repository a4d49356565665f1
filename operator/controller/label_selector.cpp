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

std::optional<LabelSelector> parse_label_selector(const rapidjson::Value& v, std::string& error) {
  if (!v.IsObject()) {
    error = "selector: not an object";
    return std::nullopt;
  }
  LabelSelector sel;
  if (auto it = v.FindMember("matchLabels"); it != v.MemberEnd()) {
    if (!it->value.IsObject() || it->value.MemberCount() > kMaxTerms) {
      error = "selector.matchLabels: not an object of at most 64 labels";
      return std::nullopt;
    }
    for (const auto& m : it->value.GetObject()) {
      if (!m.value.IsString()) {
        error = "selector.matchLabels." + std::string(m.name.GetString()) + ": not a string";
        return std::nullopt;
      }
      sel.match_labels[m.name.GetString()] = m.value.GetString();
    }
  }
  if (auto it = v.FindMember("matchExpressions"); it != v.MemberEnd()) {
    if (!it->value.IsArray() || it->value.Size() > kMaxTerms) {
      error = "selector.matchExpressions: not an array of at most 64 terms";
      return std::nullopt;
    }
    for (const auto& e : it->value.GetArray()) {
      SelectorRequirement r;
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
      r.key = key->value.GetString();
      const std::string o = op->value.GetString();
      if (o == "In") {
        r.op = SelectorRequirement::Op::kIn;
      } else if (o == "NotIn") {
        r.op = SelectorRequirement::Op::kNotIn;
      } else if (o == "Exists") {
        r.op = SelectorRequirement::Op::kExists;
      } else if (o == "DoesNotExist") {
        r.op = SelectorRequirement::Op::kDoesNotExist;
      } else {
        error = "selector.matchExpressions: unknown operator " + o;
        return std::nullopt;
      }
      if (auto vals = e.FindMember("values"); vals != e.MemberEnd()) {
        if (!vals->value.IsArray() || vals->value.Size() > kMaxValues) {
          error = "selector.matchExpressions.values: not an array of at most 64 strings";
          return std::nullopt;
        }
        for (const auto& s : vals->value.GetArray()) {
          if (!s.IsString()) {
            error = "selector.matchExpressions.values: not a string";
            return std::nullopt;
          }
          r.values.emplace_back(s.GetString());
        }
      }
      const bool wants_values =
          r.op == SelectorRequirement::Op::kIn || r.op == SelectorRequirement::Op::kNotIn;
      if (wants_values == r.values.empty()) {
        error = "selector.matchExpressions: " + o +
                (wants_values ? " needs values" : " takes no values");
        return std::nullopt;
      }
      sel.match_expressions.push_back(std::move(r));
    }
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
