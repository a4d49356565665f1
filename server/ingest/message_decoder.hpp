#pragma once
// MessageDecoder: one NDJSON line → the schema's fields, with simdjson
// On-Demand (internal to trove_ingest). Validation happens while decoding:
// the first problem found is the message's rejection.

#include <cstddef>
#include <memory>
#include <string_view>

#include "ingest/ingest_pipeline.hpp"
#include "ingest/message.hpp"

namespace trove::ingest {

struct DecodeError {
  RejectCode code = RejectCode::malformed_json;
  std::string_view field;   // static storage
  std::string_view reason;  // static storage
};

class MessageDecoder {
 public:
  // Sizes the parser once for lines up to max_line_bytes and the data
  // buffer for max_data_bytes (the hot path never reallocates either).
  // max_depth counts the message object as 1.
  MessageDecoder(std::size_t max_line_bytes, std::size_t max_depth, std::size_t max_data_bytes);
  ~MessageDecoder();
  MessageDecoder(const MessageDecoder&) = delete;
  MessageDecoder& operator=(const MessageDecoder&) = delete;

  // Decodes `line` (no newline) into `out`. The bytes after the line, up to
  // simdjson's padding, must be readable. `unterminated`: this is the batch's
  // last line and it had no newline (a parse failure then means truncated).
  // On success the strings in `out` point into the parser's buffer (and
  // `data` into the decoder's own), valid until the next decode(). Returns false and fills `error`
  // on rejection.
  bool decode(const char* line, std::size_t length, bool unterminated, BoxMessage& out,
              DecodeError& error);

 private:
  struct Parser;
  std::unique_ptr<Parser> parser_;
  std::size_t max_depth_;
  std::unique_ptr<char[]> data_buffer_;  // max_data_bytes_: `data`, minified
  std::size_t max_data_bytes_;
};

}  // namespace trove::ingest
