#pragma once
// One pass over a message's `data` value (internal to trove_ingest): checks
// it is exactly one JSON value, within the nesting limit, and writes it
// minified (no whitespace outside strings) into a caller's buffer. simdjson
// On-Demand only finds the end of a value it does not read, so this pass is
// both the grammar check and the copy: the value is never parsed twice.
//
// Strings are copied as written, escapes included ("\u00e9" stays six
// bytes); an escape must be valid JSON, and a \u escape of a UTF-16
// surrogate must be a high one followed by a low one, as simdjson requires
// of the strings it reads. The line's UTF-8 was checked by simdjson before.

#include <cstddef>
#include <span>
#include <string_view>

namespace trove::ingest {

enum class MinifyStatus {
  ok,
  malformed,  // not exactly one JSON value
  too_deep,   // a container deeper than max_depth (checked before the rest is read)
  too_large,  // valid, but its minified form is larger than `out`
};

struct MinifyResult {
  MinifyStatus status = MinifyStatus::ok;
  std::size_t size = 0;  // bytes of the minified form (also when too_large)
};

// `base_depth`: nesting depth of the value's parent (the message object is
// 1); a container inside the value at depth > max_depth is too_deep.
// max_depth must be small enough for the recursion (the decoder caps it at 64).
MinifyResult minify_json(std::string_view text, std::size_t base_depth, std::size_t max_depth,
                         std::span<char> out);

}  // namespace trove::ingest
