#pragma once
// PayloadWriter: renders the compact client payload of a hydrated message
// with RapidJSON's Writer into a caller's fixed buffer (internal to
// trove_ingest). The Writer and its small level stack are built once and
// reused, so rendering never allocates. Format: docs/api.md.

#include <cstddef>
#include <memory>

#include "ingest/message.hpp"

namespace trove::ingest {

class PayloadWriter {
 public:
  PayloadWriter();
  ~PayloadWriter();
  PayloadWriter(const PayloadWriter&) = delete;
  PayloadWriter& operator=(const PayloadWriter&) = delete;

  // Writes the payload of `message` into out[0, capacity). Returns its size,
  // or 0 if it does not fit.
  std::size_t render(const BoxMessage& message, char* out, std::size_t capacity);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace trove::ingest
