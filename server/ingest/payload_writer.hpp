#pragma once
// PayloadWriter: renders the compact client payload of a hydrated message
// with RapidJSON's Writer (internal to trove_ingest). The Writer, its level
// stack and the fixed output buffer are built once and reused, so rendering
// never allocates.
// Format: docs/api.md.

#include <cstddef>
#include <memory>
#include <string_view>

#include "ingest/message.hpp"

namespace trove::ingest {

class PayloadWriter {
 public:
  // Sizes the output once for the schema fields plus `data` of up to
  // max_data_bytes.
  explicit PayloadWriter(std::size_t max_data_bytes = kDefaultMaxDataBytes);
  ~PayloadWriter();
  PayloadWriter(const PayloadWriter&) = delete;
  PayloadWriter& operator=(const PayloadWriter&) = delete;

  // The payload of `message`; valid until the next render(). Empty only if
  // it would not fit the internal buffer (impossible within the schema).
  std::string_view render(const BoxMessage& message);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace trove::ingest
