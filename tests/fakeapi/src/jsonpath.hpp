// The JSONPath subset CRD additionalPrinterColumns use, evaluated the way
// kube-apiserver's table convertor does: `.a.b`, `.a[0]`, `.a[*].b`,
// `.a['x.y']`, `.a[?(@.type=="Ready")].status` (== and != against string,
// number and boolean literals), optionally wrapped in `{}`.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "json_util.hpp"

namespace trove::fakeapi {

class JsonPath {
 public:
  static std::optional<JsonPath> parse(std::string_view text, std::string* error);
  // Every value the path selects, in document order.
  std::vector<const json::Value*> evaluate(const json::Value& root) const;

  struct Step {
    enum class Kind { kField, kIndex, kWildcard, kFilter };
    Kind kind = Kind::kField;
    std::string field;  // kField
    long index = 0;     // kIndex (negative counts from the end)
    // kFilter: @<filter_path> <op> <literal>
    std::vector<std::string> filter_path;
    bool filter_not_equal = false;
    std::string literal_json;  // the literal as JSON text, compared by value
  };

 private:
  std::vector<Step> steps_;
};

}  // namespace trove::fakeapi
