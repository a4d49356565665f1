// A Kubernetes LabelSelector (matchLabels + matchExpressions) and its
// evaluation against a pod's labels, with the API server's semantics: all
// terms must hold; NotIn and DoesNotExist hold for a missing key.
#pragma once

#include <rapidjson/document.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace trove::controller {

using Labels = std::map<std::string, std::string>;

struct SelectorRequirement {
  enum class Op { kIn, kNotIn, kExists, kDoesNotExist };
  std::string key;
  Op op = Op::kExists;
  std::vector<std::string> values;
};

struct LabelSelector {
  Labels match_labels;
  std::vector<SelectorRequirement> match_expressions;

  // An empty selector matches nothing here (the CRD forbids it): a hunt that
  // lost its selector must not grab every sidecar in the namespace.
  bool empty() const { return match_labels.empty() && match_expressions.empty(); }
  bool matches(const Labels& labels) const;
};

// Parses a LabelSelector object; on failure returns nothing and sets error.
std::optional<LabelSelector> parse_label_selector(const rapidjson::Value& v, std::string& error);

// Reads metadata.labels (or any string map); non-string values are skipped.
Labels parse_labels(const rapidjson::Value* v);

}  // namespace trove::controller
