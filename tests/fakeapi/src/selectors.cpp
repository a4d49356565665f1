#include "selectors.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace trove::fakeapi {

namespace {

// Kubernetes caps a label value at 63 characters and a key at 253+1+63;
// anything far beyond is hostile input rather than a selector.
constexpr std::size_t kMaxSelectorLength = 16 * 1024;

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

bool valid_token(std::string_view s) {
  if (s.empty() || s.size() > 317) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '/';
  });
}

bool valid_value(std::string_view s) {
  if (s.size() > 63) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.';
  });
}

// Splits at commas that are not inside parentheses.
std::optional<std::vector<std::string_view>> split_terms(std::string_view text) {
  std::vector<std::string_view> terms;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || (text[i] == ',' && depth == 0)) {
      terms.push_back(trim(text.substr(start, i - start)));
      start = i + 1;
    } else if (text[i] == '(') {
      if (++depth > 1) return std::nullopt;
    } else if (text[i] == ')') {
      if (--depth < 0) return std::nullopt;
    }
  }
  if (depth != 0) return std::nullopt;
  return terms;
}

std::optional<std::string> label_of(const json::Value& object, const std::string& key) {
  const json::Value* labels = json::at(object, {"metadata", "labels"});
  if (labels == nullptr) return std::nullopt;
  const json::Value* v = json::find(*labels, key);
  if (v == nullptr || !v->IsString()) return std::nullopt;
  return std::string(v->GetString(), v->GetStringLength());
}

bool requirement_matches(const SelectorRequirement& r, const std::optional<std::string>& value) {
  using Op = SelectorRequirement::Op;
  switch (r.op) {
    case Op::kExists:
      return value.has_value();
    case Op::kNotExists:
      return !value.has_value();
    case Op::kEquals:
      return value.has_value() && *value == r.values.front();
    case Op::kNotEquals:
      return !value.has_value() || *value != r.values.front();
    case Op::kIn:
      return value.has_value() &&
             std::find(r.values.begin(), r.values.end(), *value) != r.values.end();
    case Op::kNotIn:
      return !value.has_value() ||
             std::find(r.values.begin(), r.values.end(), *value) == r.values.end();
  }
  return false;
}

// The field's value as kube-apiserver's field sets render it ("" if absent).
std::string field_value(const json::Value& object, std::string_view path) {
  const json::Value* cur = &object;
  std::size_t start = 0;
  while (cur != nullptr && start <= path.size()) {
    std::size_t dot = path.find('.', start);
    std::string_view part = path.substr(start, dot == std::string_view::npos ? dot : dot - start);
    cur = json::find(*cur, part);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (cur == nullptr) return {};
  if (cur->IsString()) return std::string(cur->GetString(), cur->GetStringLength());
  if (cur->IsBool()) return cur->GetBool() ? "true" : "false";
  if (cur->IsNumber()) return json::to_string(*cur);
  return {};
}

bool field_supported(std::string_view kind, std::string_view field) {
  if (field == "metadata.name" || field == "metadata.namespace") return true;
  static constexpr std::array<std::string_view, 7> kPodFields = {"status.phase",
                                                                 "spec.nodeName",
                                                                 "spec.restartPolicy",
                                                                 "spec.schedulerName",
                                                                 "spec.serviceAccountName",
                                                                 "status.podIP",
                                                                 "status.nominatedNodeName"};
  static constexpr std::array<std::string_view, 11> kEventFields = {
      "involvedObject.kind",
      "involvedObject.namespace",
      "involvedObject.name",
      "involvedObject.uid",
      "involvedObject.apiVersion",
      "involvedObject.resourceVersion",
      "involvedObject.fieldPath",
      "reason",
      "reportingComponent",
      "source",
      "type"};
  auto in = [&](const auto& list) {
    return std::find(list.begin(), list.end(), field) != list.end();
  };
  if (kind == "Pod") return in(kPodFields);
  if (kind == "Event") return in(kEventFields) || field.starts_with("regarding.");
  if (kind == "Secret") return field == "type";
  return false;
}

}  // namespace

std::optional<LabelSelector> LabelSelector::parse(std::string_view text, std::string* error) {
  LabelSelector out;
  text = trim(text);
  if (text.empty()) return out;
  auto fail = [&](const std::string& why) -> std::optional<LabelSelector> {
    if (error != nullptr) *error = "unable to parse requirement: " + why;
    return std::nullopt;
  };
  if (text.size() > kMaxSelectorLength) return fail("selector too long");
  auto terms = split_terms(text);
  if (!terms) return fail("unbalanced parentheses");
  using Op = SelectorRequirement::Op;
  for (std::string_view term : *terms) {
    SelectorRequirement r;
    if (term.empty()) return fail("empty requirement");
    if (term.front() == '!') {
      r.key = std::string(trim(term.substr(1)));
      r.op = Op::kNotExists;
    } else if (std::size_t p = term.find("!="); p != std::string_view::npos) {
      r.key = std::string(trim(term.substr(0, p)));
      r.op = Op::kNotEquals;
      r.values.emplace_back(trim(term.substr(p + 2)));
    } else if (std::size_t q = term.find('='); q != std::string_view::npos) {
      r.key = std::string(trim(term.substr(0, q)));
      std::size_t value_at = q + 1;
      if (value_at < term.size() && term[value_at] == '=') ++value_at;
      r.op = Op::kEquals;
      r.values.emplace_back(trim(term.substr(value_at)));
    } else if (std::size_t open = term.find('('); open != std::string_view::npos) {
      if (term.back() != ')') return fail("expected ')' in \"" + std::string(term) + "\"");
      std::string_view head = trim(term.substr(0, open));
      std::size_t space = head.find_last_of(" \t");
      if (space == std::string_view::npos) return fail("expected in or notin");
      std::string_view op = head.substr(space + 1);
      r.key = std::string(trim(head.substr(0, space)));
      if (op == "in") {
        r.op = Op::kIn;
      } else if (op == "notin") {
        r.op = Op::kNotIn;
      } else {
        return fail("unknown operator \"" + std::string(op) + "\"");
      }
      std::string_view list = term.substr(open + 1, term.size() - open - 2);
      std::size_t start = 0;
      while (start <= list.size()) {
        std::size_t comma = list.find(',', start);
        std::string_view v =
            trim(list.substr(start, comma == std::string_view::npos ? comma : comma - start));
        if (!valid_value(v)) return fail("invalid value \"" + std::string(v) + "\"");
        r.values.emplace_back(v);
        if (comma == std::string_view::npos) break;
        start = comma + 1;
      }
    } else {
      r.key = std::string(term);
      r.op = Op::kExists;
    }
    if (!valid_token(r.key)) return fail("invalid label key \"" + r.key + "\"");
    for (const std::string& v : r.values) {
      if (!valid_value(v)) return fail("invalid label value \"" + v + "\"");
    }
    out.requirements_.push_back(std::move(r));
  }
  return out;
}

namespace {

std::optional<SelectorRequirement::Op> expression_op(std::string_view op) {
  using Op = SelectorRequirement::Op;
  if (op == "In") return Op::kIn;
  if (op == "NotIn") return Op::kNotIn;
  if (op == "Exists") return Op::kExists;
  if (op == "DoesNotExist") return Op::kNotExists;
  return std::nullopt;
}

std::optional<SelectorRequirement> expression_requirement(const json::Value& e, std::string* why) {
  using Op = SelectorRequirement::Op;
  SelectorRequirement r;
  r.key = json::string_at(e, {"key"});
  auto op = expression_op(json::string_at(e, {"operator"}));
  if (!valid_token(r.key) || !op) {
    *why = "invalid matchExpressions entry";
    return std::nullopt;
  }
  r.op = *op;
  if (const json::Value* values = json::find(e, "values"); values && values->IsArray()) {
    for (const auto& v : values->GetArray()) {
      if (!v.IsString() || !valid_value(v.GetString())) {
        *why = "invalid matchExpressions value";
        return std::nullopt;
      }
      r.values.emplace_back(v.GetString(), v.GetStringLength());
    }
  }
  bool needs_values = r.op == Op::kIn || r.op == Op::kNotIn;
  if (needs_values == r.values.empty()) {
    *why = "matchExpressions: values must be set exactly for In and NotIn";
    return std::nullopt;
  }
  return r;
}

}  // namespace

std::optional<LabelSelector> LabelSelector::from_object(const json::Value* selector,
                                                        std::string* error) {
  LabelSelector out;
  if (selector == nullptr || selector->IsNull()) return out;
  std::string why;
  auto fail = [&](std::string message) -> std::optional<LabelSelector> {
    if (error != nullptr) *error = std::move(message);
    return std::nullopt;
  };
  if (!selector->IsObject()) return fail("a label selector must be an object");
  if (const json::Value* labels = json::find(*selector, "matchLabels")) {
    if (!labels->IsObject()) return fail("matchLabels must be an object");
    for (const auto& m : labels->GetObject()) {
      if (!m.value.IsString() || !valid_token(m.name.GetString()) ||
          !valid_value(m.value.GetString())) {
        return fail("invalid matchLabels entry");
      }
      out.requirements_.push_back(
          {m.name.GetString(), SelectorRequirement::Op::kEquals, {m.value.GetString()}});
    }
  }
  if (const json::Value* expressions = json::find(*selector, "matchExpressions")) {
    if (!expressions->IsArray()) return fail("matchExpressions must be an array");
    for (const auto& e : expressions->GetArray()) {
      auto r = e.IsObject() ? expression_requirement(e, &why) : std::nullopt;
      if (!r) return fail(why.empty() ? "invalid matchExpressions entry" : why);
      out.requirements_.push_back(std::move(*r));
    }
  }
  return out;
}

bool LabelSelector::matches(const json::Value& object) const {
  return std::all_of(requirements_.begin(), requirements_.end(), [&](const auto& r) {
    return requirement_matches(r, label_of(object, r.key));
  });
}

std::optional<FieldSelector> FieldSelector::parse(std::string_view text, std::string_view kind,
                                                  std::string* error) {
  FieldSelector out;
  text = trim(text);
  if (text.empty()) return out;
  auto fail = [&](const std::string& why) -> std::optional<FieldSelector> {
    if (error != nullptr) *error = why;
    return std::nullopt;
  };
  if (text.size() > kMaxSelectorLength) return fail("field selector too long");
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    std::string_view term =
        trim(text.substr(start, comma == std::string_view::npos ? comma : comma - start));
    SelectorRequirement r;
    std::size_t p = term.find("!=");
    std::size_t value_at = 0;
    if (p != std::string_view::npos) {
      r.op = SelectorRequirement::Op::kNotEquals;
      value_at = p + 2;
    } else if ((p = term.find('=')) != std::string_view::npos) {
      r.op = SelectorRequirement::Op::kEquals;
      value_at = p + 1;
      if (value_at < term.size() && term[value_at] == '=') ++value_at;
    } else {
      return fail("invalid selector: '" + std::string(term) + "'; can't understand '" +
                  std::string(term) + "'");
    }
    r.key = std::string(trim(term.substr(0, p)));
    r.values.emplace_back(trim(term.substr(value_at)));
    if (!field_supported(kind, r.key)) {
      return fail("field label not supported: " + r.key);
    }
    out.requirements_.push_back(std::move(r));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

bool FieldSelector::matches(const json::Value& object) const {
  return std::all_of(requirements_.begin(), requirements_.end(), [&](const auto& r) {
    bool equal = field_value(object, r.key) == r.values.front();
    return r.op == SelectorRequirement::Op::kEquals ? equal : !equal;
  });
}

std::optional<std::string> FieldSelector::pinned_name() const {
  for (const auto& r : requirements_) {
    if (r.key == "metadata.name" && r.op == SelectorRequirement::Op::kEquals) return r.values[0];
  }
  return std::nullopt;
}

}  // namespace trove::fakeapi
