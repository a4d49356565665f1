#pragma once
// IngestPipeline: NDJSON batch → arena copy with simdjson padding → simdjson
// On-Demand → validate → hydrate into a blob → render the compact payload with
// RapidJSON's Writer → BoxStore (docs/design.md, Data flow 2; docs/api.md).
//
// Every line is one message, indexed from 0 in the batch. A message is either
// stored (accepted) or rejected with its index and a specific reason; a bad
// line never takes the rest of the batch down. An accepted message is stored
// when ingest() returns.
//
// Thread safety: one pipeline per worker thread (it owns a simdjson parser and
// uses that worker's EpochArena); not thread-safe. counters() may be read from
// any thread. The BoxStore is shared.
//
// Memory: in the epoch strategy the hot path makes no heap allocation per
// message: the batch copy, blobs and render buffers come from the arena, the
// simdjson parser is sized once at construction, the rejection list is a
// bounded buffer reused across batches. What ingest() returns (rejections)
// stays valid until the next ingest() call.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string_view>

#include "ingest/message.hpp"
#include "memory/allocator_strategy.hpp"
#include "memory/epoch_arena.hpp"
#include "store/box_store.hpp"

namespace trove::ingest {

struct IngestConfig {
  memory::AllocatorStrategy strategy = memory::AllocatorStrategy::epoch;
  // Longest line accepted (bytes, newline excluded). Messages are ~100 bytes;
  // 4 KiB leaves room for unknown fields and bounds the parser's buffers.
  std::size_t max_line_bytes = 4096;
  // Deepest nesting of objects/arrays in a message (the message object is depth 1).
  std::size_t max_depth = 8;
  // Largest `data` value, minified (--max-data-bytes, ≤ kMaxDataBytesLimit).
  // The store must take payloads of payload_max_for(max_data_bytes).
  std::size_t max_data_bytes = kDefaultMaxDataBytes;
  // Hydrated blob bound (docs/design.md: 8 KiB).
  std::size_t blob_bytes = 8192;
  // How many rejections ingest() lists in detail per batch; the rest are
  // only counted. Bounds the reply and the memory a hostile batch can cost.
  std::size_t max_rejections_listed = 1024;
};

enum class RejectCode : std::uint8_t {
  empty_line,         // blank or whitespace-only line
  line_too_long,      // > max_line_bytes
  truncated,          // the batch's last line ends inside a JSON value
  malformed_json,     // not valid JSON
  invalid_utf8,       // bytes that are not UTF-8
  too_deep,           // nesting deeper than max_depth
  not_an_object,      // the line is valid JSON but not an object
  trailing_content,   // something after the object on the same line
  missing_box,        // no "box"
  duplicate_field,    // a schema field given twice
  wrong_type,         // a schema field of the wrong JSON type
  out_of_range,       // box 0 / negative / > 2^64-1, ts negative or too large
  not_finite,         // x or y overflows a double (1e400)
  string_too_long,    // hunt or player > 64 bytes
  unknown_state,      // state not one of the enum
  data_too_large,     // data, minified, > max_data_bytes
  blob_too_large,     // hydrated form > blob_bytes
  payload_too_large,  // rendered payload > the store's payload_max
  store_full,         // new box, store at capacity
  out_of_memory,      // the strategy's allocator failed
};
std::string_view to_string(RejectCode code) noexcept;

struct Rejection {
  std::uint32_t index = 0;  // line index in the batch, from 0
  RejectCode code = RejectCode::malformed_json;
  std::string_view field;   // schema field concerned ("" if none); static storage
  std::string_view reason;  // human-readable, specific; static storage
};

struct BatchResult {
  std::uint32_t accepted = 0;
  std::uint32_t rejected = 0;
  // The first max_rejections_listed rejections, in index order. Valid until
  // the next ingest() on this pipeline.
  std::span<const Rejection> rejections;
  bool rejections_truncated = false;  // rejected > rejections.size()
};

// Cumulative, readable from any thread (relaxed).
struct IngestCounters {
  std::atomic<std::uint64_t> accepted_messages{0};
  std::atomic<std::uint64_t> rejected_messages{0};
  std::atomic<std::uint64_t> accepted_bytes{0};  // line bytes, newline excluded
  std::atomic<std::uint64_t> rejected_bytes{0};
  std::atomic<std::uint64_t> batches{0};
};

// Called for every stored message, on the ingesting worker's thread, after
// the store write: (box id, the box's hunt, the new version, the payload
// stored). Must not block.
using StoredObserver = std::function<void(std::uint64_t box, std::string_view hunt,
                                          std::uint64_t version, std::string_view payload)>;

class IngestPipeline {
 public:
  // `arena` is the worker's epoch arena: required for the epoch strategy
  // (std::invalid_argument otherwise), unused by the others. The caller
  // resets it at epoch boundaries, never during ingest().
  IngestPipeline(store::BoxStore& store, memory::EpochArena* arena, IngestConfig config = {});
  ~IngestPipeline();
  IngestPipeline(const IngestPipeline&) = delete;
  IngestPipeline& operator=(const IngestPipeline&) = delete;

  // Processes one NDJSON batch ('\n' separated, an optional '\r' before it is
  // stripped; a final newline is optional). The input is copied first, so it
  // may be freed as soon as this returns.
  BatchResult ingest(std::string_view ndjson);

  void set_observer(StoredObserver observer) { observer_ = std::move(observer); }

  const IngestCounters& counters() const noexcept { return counters_; }
  const IngestConfig& config() const noexcept { return config_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  IngestConfig config_;
  IngestCounters counters_;
  StoredObserver observer_;
};

}  // namespace trove::ingest
