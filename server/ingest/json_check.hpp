#pragma once
// Strict JSON grammar checks for what simdjson On-Demand skips unread: the
// values of fields outside the schema (internal to trove_ingest). On-Demand
// only finds the end of a skipped value, so "1null", "tru" or a container
// holding garbage would pass as valid JSON without these.

#include <cstddef>
#include <string_view>

namespace trove::ingest {

// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, of any magnitude (an
// unknown field's 1e999 is ignored, never converted).
bool is_json_number(std::string_view token);

// The escape after a backslash at text[at] (at = the byte after the
// backslash): one of "\/bfnrt or u with 4 hex digits, where a UTF-16
// surrogate must be a high one followed by \u and a low one, as simdjson
// requires of the strings it reads. Moves `at` past the escape; false if it
// is not one.
bool take_json_escape(std::string_view text, std::size_t& at);

// `text` is exactly one JSON value (surrounding whitespace allowed). The
// recursion follows the nesting, which the caller bounds first.
bool is_json_value(std::string_view text);

}  // namespace trove::ingest
