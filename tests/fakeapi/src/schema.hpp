// What kube-apiserver does with a CRD's structural openAPIV3Schema on every
// write: apply `default`s, prune unknown fields and check the basics (type,
// required, enum). CEL rules (x-kubernetes-validations), formats and numeric
// or length bounds are not checked.
#pragma once

#include <string>
#include <vector>

#include "json_util.hpp"

namespace trove::fakeapi::schema {

// Sets missing properties that have a `default` (a deep copy), recursively
// through properties, items and additionalProperties. As in kube-apiserver,
// a default applies only where the parent object exists.
void apply_defaults(json::Value& object, const json::Value& schema, json::Allocator& a);

// Removes fields the schema does not declare (unless
// x-kubernetes-preserve-unknown-fields); apiVersion, kind and metadata of the
// root (and of x-kubernetes-embedded-resource objects) are kept. Returns the
// removed paths (".spec.foo"), for fieldValidation=Strict/Warn.
std::vector<std::string> prune(json::Value& object, const json::Value& schema);

struct Violation {
  std::string field;    // "spec.replicas"
  std::string message;  // "Required value", "Invalid value: ..."
};
std::vector<Violation> validate(const json::Value& object, const json::Value& schema);

}  // namespace trove::fakeapi::schema
