// A reference decoder for one ingest line, written for clarity rather than
// speed: RapidJSON's SAX reader over the whole line, then the schema of
// docs/api.md checked field by field in document order. The differential
// target compares it with the hot path (simdjson On-Demand).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ingest/ingest_pipeline.hpp"

namespace trove::fuzz {

struct ReferenceMessage {
  std::uint64_t box = 0;
  std::optional<std::string> hunt;
  std::optional<std::string> state;
  std::optional<double> x;
  std::optional<double> y;
  std::optional<std::int64_t> ts;
  std::optional<std::string> player;
  // `data` with the whitespace outside its strings removed (docs/api.md).
  std::optional<std::string> data;
};

struct ReferenceResult {
  // The line's code when rejected; nullopt when accepted.
  std::optional<ingest::RejectCode> code;
  // The line is not JSON (RapidJSON refuses it, or content follows the
  // root): the hot path must reject it, but it reads in one pass and may
  // name a field's problem met before the syntax error.
  bool syntax_error = false;
  // The line is not UTF-8: the hot path must reject it, as invalid_utf8 or,
  // when simdjson's first pass meets a structural error first (an unclosed
  // string, say), as malformed_json or truncated.
  bool not_utf8 = false;
  // A coordinate's exponent spelled with more than 18 digits (leading zeros
  // included): simdjson clamps it and may report not_finite where strtod finds
  // 0 or a finite value. Either answer is taken (TODO(ingest): decide).
  bool extreme_exponent = false;
  ReferenceMessage message;  // when accepted
};

// `line`: one line, newline and a '\r' before it cut off. `unterminated`:
// the batch's last line, without a newline.
ReferenceResult decode_reference(std::string_view line, bool unterminated,
                                 const ingest::IngestConfig& config);

}  // namespace trove::fuzz
