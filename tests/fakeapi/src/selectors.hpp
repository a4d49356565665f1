// Label and field selectors as kube-apiserver parses them from the
// labelSelector / fieldSelector query parameters.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "json_util.hpp"

namespace trove::fakeapi {

struct SelectorRequirement {
  enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kNotExists };
  std::string key;
  Op op = Op::kEquals;
  std::vector<std::string> values;
};

// labelSelector: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x,y)`, `a`,
// `!a`, joined by commas (AND).
class LabelSelector {
 public:
  // nullopt and *error on malformed input.
  static std::optional<LabelSelector> parse(std::string_view text, std::string* error);
  // A metav1.LabelSelector object ({matchLabels, matchExpressions}, as in
  // webhook configurations); null or {} selects everything.
  static std::optional<LabelSelector> from_object(const json::Value* selector, std::string* error);
  bool matches(const json::Value& object) const;
  bool empty() const { return requirements_.empty(); }

 private:
  std::vector<SelectorRequirement> requirements_;
};

// fieldSelector: `f=v`, `f==v`, `f!=v` joined by commas. Fields:
// metadata.name and metadata.namespace for every kind, plus the fields
// kube-apiserver supports for Pods, Events and Secrets.
class FieldSelector {
 public:
  static std::optional<FieldSelector> parse(std::string_view text, std::string_view kind,
                                            std::string* error);
  bool matches(const json::Value& object) const;
  bool empty() const { return requirements_.empty(); }
  // The name a `metadata.name=x` requirement pins, if any (kubectl wait).
  std::optional<std::string> pinned_name() const;

 private:
  std::vector<SelectorRequirement> requirements_;
};

}  // namespace trove::fakeapi
