// One NDJSON batch run through the worker's pipeline in slices of whole
// lines, so the worker can serve its other connections between slices: a
// 64-message frame is ~20 us of work, and a poll that arrives just after a
// large batch starts would otherwise wait for all of it (S1 with 500 k msg/s
// of ingest). The
// result is the batch's, as if ingested in one call: indexes count from the
// batch's first line, and the rejection list keeps the first
// max_rejections_listed in index order.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "ingest/ingest_pipeline.hpp"
#include "state/journal.hpp"

namespace trove::net {

class SlicedIngest {
 public:
  // Lines per slice when pollers share the worker: ~7 us of work, the
  // longest a poll waits behind ingest. Smaller slices cost more per
  // message (each is one pipeline call and one posted continuation).
  static constexpr std::size_t kSliceLines = 32;

  // Begins a batch. `ndjson` must stay valid until Step() returns true.
  void start(std::string_view ndjson);
  // Ingests up to `max_lines` more lines (whole lines, never a part of one).
  // Returns true when the batch is done; result() is then final.
  bool step(ingest::IngestPipeline& pipeline, std::size_t max_lines);
  [[nodiscard]] bool active() const noexcept { return active_; }
  // The journal ticket of the batch's records so far (state::Journal::submit):
  // the highest, or kNotLogged once any slice was not logged.
  void note_ticket(std::uint64_t ticket) noexcept {
    if (ticket == state::Journal::kNotLogged || ticket_ == state::Journal::kNotLogged) {
      ticket_ = state::Journal::kNotLogged;
    } else {
      ticket_ = std::max(ticket_, ticket);
    }
  }
  [[nodiscard]] std::uint64_t ticket() const noexcept { return ticket_; }
  // Valid until the next Start().
  [[nodiscard]] ingest::BatchResult result() const noexcept;

 private:
  std::string_view rest_;
  std::uint32_t line_base_ = 0;
  std::uint32_t accepted_ = 0;
  std::uint32_t rejected_ = 0;
  std::vector<ingest::Rejection> rejections_;
  bool active_ = false;
  std::uint64_t ticket_ = 0;
};

}  // namespace trove::net
