// Bounded JSON nesting for everything the kube client parses from the API
// server (objects, lists, watch events, Status bodies). RapidJSON's DOM
// parser, its deep copy (KubeObject::clone) and its writer recurse once per
// level, so a document nested a few hundred thousand levels deep (a hostile
// or broken server, a proxy's garbage) would exhaust the thread's stack and
// crash the operator. Kubernetes objects nest a few dozen levels.
#pragma once

#include <cstddef>
#include <string_view>

namespace trove::kube {

// Far above any real object, far below what the recursion can take even on
// a sanitizer build's larger frames.
inline constexpr std::size_t kMaxJsonDepth = 1000;

// True when `json` opens more than `max_depth` objects/arrays at once
// (brackets inside strings do not count). Invalid JSON is left to the parser.
bool nested_deeper_than(std::string_view json, std::size_t max_depth);

// doc.Parse(text) after the depth check; false when too deep or not JSON.
template <class Document>
bool parse_json(Document& doc, std::string_view text) {
  if (nested_deeper_than(text, kMaxJsonDepth)) return false;
  doc.Parse(text.data(), text.size());
  return !doc.HasParseError();
}

}  // namespace trove::kube
