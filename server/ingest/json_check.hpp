#pragma once
// Strict JSON grammar checks for what simdjson On-Demand skips unread: the
// values of fields outside the schema (internal to trove_ingest). On-Demand
// only finds the end of a skipped value, so "1null", "tru" or a container
// holding garbage would pass as valid JSON without these.

#include <string_view>

namespace trove::ingest {

// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, of any magnitude (an
// unknown field's 1e999 is ignored, never converted).
bool is_json_number(std::string_view token);

// `text` is exactly one JSON value (surrounding whitespace allowed). The
// recursion follows the nesting, which the caller bounds first.
bool is_json_value(std::string_view text);

}  // namespace trove::ingest
