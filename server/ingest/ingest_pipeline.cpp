#include "ingest/ingest_pipeline.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <vector>

#include "ingest/message_decoder.hpp"
#include "ingest/message_memory.hpp"
#include "ingest/payload_writer.hpp"
#include "ingest/store_write_queue.hpp"

namespace trove::ingest {

namespace {

// Every block the ingest path asks for: malloc's natural alignment, so the
// three strategies are asked for the same thing.
constexpr std::size_t kAlignment = alignof(std::max_align_t);

bool is_blank(const char* line, std::size_t length) {
  for (std::size_t i = 0; i < length; ++i) {
    if (line[i] != ' ' && line[i] != '\t') return false;
  }
  return true;
}

std::int32_t cell_of(double coordinate) {
  const double cell = std::floor(coordinate / BoxMessage::kCellSize);
  constexpr double lo = std::numeric_limits<std::int32_t>::min();
  constexpr double hi = std::numeric_limits<std::int32_t>::max();
  return static_cast<std::int32_t>(cell < lo ? lo : (cell > hi ? hi : cell));
}

}  // namespace

std::string_view to_string(RejectCode code) noexcept {
  switch (code) {
    case RejectCode::empty_line:
      return "empty_line";
    case RejectCode::line_too_long:
      return "line_too_long";
    case RejectCode::truncated:
      return "truncated";
    case RejectCode::malformed_json:
      return "malformed_json";
    case RejectCode::invalid_utf8:
      return "invalid_utf8";
    case RejectCode::too_deep:
      return "too_deep";
    case RejectCode::not_an_object:
      return "not_an_object";
    case RejectCode::trailing_content:
      return "trailing_content";
    case RejectCode::missing_box:
      return "missing_box";
    case RejectCode::duplicate_field:
      return "duplicate_field";
    case RejectCode::wrong_type:
      return "wrong_type";
    case RejectCode::out_of_range:
      return "out_of_range";
    case RejectCode::not_finite:
      return "not_finite";
    case RejectCode::string_too_long:
      return "string_too_long";
    case RejectCode::unknown_state:
      return "unknown_state";
    case RejectCode::data_too_large:
      return "data_too_large";
    case RejectCode::blob_too_large:
      return "blob_too_large";
    case RejectCode::payload_too_large:
      return "payload_too_large";
    case RejectCode::store_full:
      return "store_full";
    case RejectCode::out_of_memory:
      return "out_of_memory";
  }
  return "unknown";
}

namespace {

// One ingest() call's results so far. It lives on ingest()'s stack and the
// steps below are inlined into it, so the per-message updates stay local.
struct BatchTally {
  BatchResult result;
  std::uint64_t accepted_bytes = 0;
  std::uint64_t rejected_bytes = 0;
};

// One line of the batch copy, its '\n' (and a '\r' before it) cut off.
struct Line {
  const char* text = nullptr;
  std::size_t length = 0;
  bool unterminated = false;  // the batch's last line, without a newline
};

// Cuts the line starting at `position` and moves `position` past its newline.
inline Line next_line(const char* batch, std::size_t batch_size, std::size_t& position) {
  Line line;
  line.text = batch + position;
  const auto* newline =
      static_cast<const char*>(std::memchr(line.text, '\n', batch_size - position));
  line.unterminated = newline == nullptr;
  line.length =
      line.unterminated ? batch_size - position : static_cast<std::size_t>(newline - line.text);
  position += line.length + 1;
  if (line.length > 0 && line.text[line.length - 1] == '\r') --line.length;
  return line;
}

inline bool is_empty_line(const Line& line) {
  return line.length == 0 ||
         ((line.text[0] == ' ' || line.text[0] == '\t') && is_blank(line.text, line.length));
}

// Bytes of the hydrated blob: the message and its strings, contiguously.
inline std::size_t blob_bytes_of(const BoxMessage& decoded) {
  const std::size_t strings = (decoded.has_hunt ? decoded.hunt.size() : 0) +
                              (decoded.has_player ? decoded.player.size() : 0);
  return sizeof(BoxMessage) + strings;
}

// Builds the blob in `block` (blob_bytes_of(decoded) bytes): the message, its
// strings copied behind it, and the cell it falls in.
inline BoxMessage* hydrate(const BoxMessage& decoded, void* block) {
  auto* blob = new (block) BoxMessage(decoded);
  char* text = static_cast<char*>(block) + sizeof(BoxMessage);
  if (decoded.has_hunt) {
    std::memcpy(text, decoded.hunt.data(), decoded.hunt.size());
    blob->hunt = {text, decoded.hunt.size()};
    text += decoded.hunt.size();
  }
  if (decoded.has_player) {
    std::memcpy(text, decoded.player.data(), decoded.player.size());
    blob->player = {text, decoded.player.size()};
  }
  if (blob->has_x && blob->has_y) {
    blob->cell_x = cell_of(blob->x);
    blob->cell_y = cell_of(blob->y);
  }
  return blob;
}

void add_to_counters(IngestCounters& counters, const BatchTally& tally) {
  counters.accepted_messages.fetch_add(tally.result.accepted, std::memory_order_relaxed);
  counters.rejected_messages.fetch_add(tally.result.rejected, std::memory_order_relaxed);
  counters.accepted_bytes.fetch_add(tally.accepted_bytes, std::memory_order_relaxed);
  counters.rejected_bytes.fetch_add(tally.rejected_bytes, std::memory_order_relaxed);
  counters.batches.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

struct IngestPipeline::Impl {
  Impl(store::BoxStore& box_store, memory::EpochArena* arena, const IngestConfig& pipeline_config,
       const StoredObserver& stored_observer)
      : config(pipeline_config),
        observer(stored_observer),
        store(box_store),
        writes(box_store),
        memory(pipeline_config.strategy, arena),
        decoder(pipeline_config.max_line_bytes, pipeline_config.max_depth,
                pipeline_config.max_data_bytes),
        writer(pipeline_config.max_data_bytes) {
    rejections.reserve(config.max_rejections_listed + StoreWriteQueue::kDepth);
  }

  // The batch, copied with simdjson's padding so every line can be parsed in
  // place: the bytes after a line (the next lines, then the padding) are
  // always readable. nullptr when there is no memory for it.
  char* copy_batch(std::string_view ndjson, std::size_t batch_bytes) {
    char* batch = static_cast<char*>(memory.allocate(batch_bytes, kAlignment));
    if (batch == nullptr) return nullptr;
    std::memcpy(batch, ndjson.data(), ndjson.size());
    std::memset(batch + ndjson.size(), 0, simdjson::SIMDJSON_PADDING);
    return batch;
  }

  void reject(BatchTally& tally, std::uint32_t index, std::size_t bytes, RejectCode code,
              std::string_view field, std::string_view reason) {
    ++tally.result.rejected;
    tally.rejected_bytes += bytes;
    if (rejections.size() < config.max_rejections_listed + StoreWriteQueue::kDepth) {
      rejections.push_back(Rejection{index, code, field, reason});
    } else {
      tally.result.rejections_truncated = true;
    }
  }

  // A queued message's store write, and its result.
  [[gnu::always_inline]] void complete(BatchTally& tally, const PendingWrite& w) {
    const store::WriteResult written =
        store.write(w.box, {w.payload.data(), w.payload.size()}, w.hunt_view());
    if (written.status != store::WriteStatus::stored) {
      reject(tally, w.index, w.length,
             written.status == store::WriteStatus::store_full ||
                     written.status == store::WriteStatus::spill_full
                 ? RejectCode::store_full
                 : RejectCode::payload_too_large,
             "", store::to_string(written.status));
      return;
    }
    ++tally.result.accepted;
    tally.accepted_bytes += w.length;
    if (observer) observer(w.box, written.hunt_view(), written.version, w.payload);
  }

  // Screens, decodes, hydrates and renders one line, then queues its store
  // write; a line that fails any step is rejected with that step's reason.
  template <class Complete>
  void ingest_line(BatchTally& tally, const Line& line, std::uint32_t index,
                   Complete& complete_write) {
    if (line.length > config.max_line_bytes) {
      reject(tally, index, line.length, RejectCode::line_too_long, "",
             "line longer than the limit");
      return;
    }
    if (is_empty_line(line)) {
      reject(tally, index, line.length, RejectCode::empty_line, "", "empty line");
      return;
    }
    DecodeError error;
    if (!decoder.decode(line.text, line.length, line.unterminated, decoded, error)) {
      reject(tally, index, line.length, error.code, error.field, error.reason);
      return;
    }
    store_decoded(tally, index, line.length, complete_write);
  }

  // Hydrates `decoded` into a blob, renders its compact payload and queues
  // the store write (the queue copies the payload, so the blob is freed here).
  template <class Complete>
  void store_decoded(BatchTally& tally, std::uint32_t index, std::size_t length,
                     Complete& complete_write) {
    const std::size_t blob_bytes = blob_bytes_of(decoded);
    if (blob_bytes > config.blob_bytes) {
      reject(tally, index, length, RejectCode::blob_too_large, "",
             "hydrated message larger than blob_bytes");
      return;
    }
    void* blob_block = memory.allocate(blob_bytes, kAlignment);
    if (blob_block == nullptr) {
      reject(tally, index, length, RejectCode::out_of_memory, "", "no memory for the message");
      return;
    }
    const BoxMessage* blob = hydrate(decoded, blob_block);
    const std::string_view payload = writer.render(*blob);
    if (payload.empty() || payload.size() > store.payload_max()) {
      memory.release(blob_block, blob_bytes, kAlignment);
      reject(tally, index, length, RejectCode::payload_too_large, "",
             "rendered payload larger than the store's payload_max");
      return;
    }
    writes.push(index, length, blob->box, payload,
                blob->has_hunt ? std::optional<std::string_view>(blob->hunt) : std::nullopt,
                complete_write);
    memory.release(blob_block, blob_bytes, kAlignment);  // `blob` is dead from here
  }

  // Store rejections are reported when the write happens, a few messages
  // after the parse, so the list is put back in line order here. A line's
  // store rejection is reported behind at most kDepth later lines' parse
  // rejections, so the first max_rejections_listed by line are all among the
  // first max_rejections_listed + kDepth reported: keep those, sort, cut.
  void list_rejections(BatchTally& tally) {
    const auto by_index = [](const Rejection& a, const Rejection& b) { return a.index < b.index; };
    if (!std::is_sorted(rejections.begin(), rejections.end(), by_index)) {
      std::stable_sort(rejections.begin(), rejections.end(), by_index);
    }
    if (rejections.size() > config.max_rejections_listed) {
      rejections.resize(config.max_rejections_listed);
      tally.result.rejections_truncated = true;
    }
    tally.result.rejections = rejections;
  }

  const IngestConfig& config;
  const StoredObserver& observer;
  store::BoxStore& store;
  StoreWriteQueue writes;
  MessageMemory memory;
  MessageDecoder decoder;
  PayloadWriter writer;
  // Capacity fixed at construction: the listed rejections plus kDepth, the
  // most a store rejection can be reported behind later lines' (see
  // list_rejections()).
  std::vector<Rejection> rejections;
  BoxMessage decoded;
};

IngestPipeline::IngestPipeline(store::BoxStore& store, memory::EpochArena* arena,
                               IngestConfig config)
    : config_(config) {
  if (config_.strategy == memory::AllocatorStrategy::epoch && arena == nullptr) {
    throw std::invalid_argument("IngestPipeline: the epoch strategy needs an EpochArena");
  }
  if (config_.max_line_bytes == 0) {
    throw std::invalid_argument("IngestPipeline: max_line_bytes must be > 0");
  }
  impl_ = std::make_unique<Impl>(store, arena, config_, observer_);
}

IngestPipeline::~IngestPipeline() = default;

BatchResult IngestPipeline::ingest(std::string_view ndjson) {
  Impl& s = *impl_;
  s.rejections.clear();
  BatchTally tally;
  const std::size_t batch_bytes = ndjson.size() + simdjson::SIMDJSON_PADDING;
  char* batch = s.copy_batch(ndjson, batch_bytes);
  if (batch == nullptr) {
    s.reject(tally, 0, ndjson.size(), RejectCode::out_of_memory, "", "no memory for the batch");
    counters_.rejected_messages.fetch_add(1, std::memory_order_relaxed);
    s.list_rejections(tally);
    return tally.result;
  }
  const auto complete = [&s, &tally](const PendingWrite& w) { s.complete(tally, w); };
  std::size_t position = 0;
  for (std::uint32_t index = 0; position < ndjson.size(); ++index) {
    s.ingest_line(tally, next_line(batch, ndjson.size(), position), index, complete);
  }
  s.writes.flush(complete);
  s.memory.release(batch, batch_bytes, kAlignment);
  s.list_rejections(tally);
  add_to_counters(counters_, tally);
  return tally.result;
}

}  // namespace trove::ingest
