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

struct IngestPipeline::Impl {
  Impl(store::BoxStore& box_store, memory::EpochArena* arena, const IngestConfig& config)
      : store(box_store),
        writes(box_store),
        memory(config.strategy, arena),
        decoder(config.max_line_bytes, config.max_depth) {
    rejections.reserve(config.max_rejections_listed + StoreWriteQueue::kDepth);
  }

  store::BoxStore& store;
  StoreWriteQueue writes;
  MessageMemory memory;
  MessageDecoder decoder;
  PayloadWriter writer;
  // Capacity fixed at construction: the listed rejections plus kDepth, the
  // most a store rejection can be reported behind later lines' (see ingest()).
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
  impl_ = std::make_unique<Impl>(store, arena, config_);
}

IngestPipeline::~IngestPipeline() = default;

BatchResult IngestPipeline::ingest(std::string_view ndjson) {
  Impl& s = *impl_;
  s.rejections.clear();
  BatchResult result;
  std::uint64_t accepted_bytes = 0;
  std::uint64_t rejected_bytes = 0;

  const auto reject = [&](std::uint32_t index, std::size_t bytes, RejectCode code,
                          std::string_view field, std::string_view reason) {
    ++result.rejected;
    rejected_bytes += bytes;
    if (s.rejections.size() < config_.max_rejections_listed + StoreWriteQueue::kDepth) {
      s.rejections.push_back(Rejection{index, code, field, reason});
    } else {
      result.rejections_truncated = true;
    }
  };
  // Store rejections are reported when the write happens, a few messages
  // after the parse, so the list is put back in line order here. A line's
  // store rejection is reported behind at most kDepth later lines' parse
  // rejections, so the first max_rejections_listed by line are all among the
  // first max_rejections_listed + kDepth reported: keep those, sort, cut.
  const auto list_rejections = [&] {
    const auto by_index = [](const Rejection& a, const Rejection& b) { return a.index < b.index; };
    if (!std::is_sorted(s.rejections.begin(), s.rejections.end(), by_index)) {
      std::stable_sort(s.rejections.begin(), s.rejections.end(), by_index);
    }
    if (s.rejections.size() > config_.max_rejections_listed) {
      s.rejections.resize(config_.max_rejections_listed);
      result.rejections_truncated = true;
    }
    result.rejections = s.rejections;
  };

  // The batch, copied with simdjson's padding so every line can be parsed in
  // place: the bytes after a line (the next lines, then the padding) are
  // always readable.
  const std::size_t batch_bytes = ndjson.size() + simdjson::SIMDJSON_PADDING;
  char* batch = static_cast<char*>(s.memory.allocate(batch_bytes, kAlignment));
  if (batch == nullptr) {
    reject(0, ndjson.size(), RejectCode::out_of_memory, "", "no memory for the batch");
    counters_.rejected_messages.fetch_add(1, std::memory_order_relaxed);
    list_rejections();
    return result;
  }
  std::memcpy(batch, ndjson.data(), ndjson.size());
  std::memset(batch + ndjson.size(), 0, simdjson::SIMDJSON_PADDING);

  // A queued message's store write, and its result.
  const auto complete = [&](const PendingWrite& w) {
    const store::WriteResult written =
        s.store.write(w.box, {w.payload.data(), w.payload.size()}, w.hunt_view());
    if (written.status != store::WriteStatus::stored) {
      reject(w.index, w.length,
             written.status == store::WriteStatus::store_full ? RejectCode::store_full
                                                              : RejectCode::payload_too_large,
             "", store::to_string(written.status));
      return;
    }
    ++result.accepted;
    accepted_bytes += w.length;
    if (observer_) observer_(w.box, written.hunt_view(), written.version);
  };

  const std::size_t payload_capacity = s.store.payload_max();
  std::size_t position = 0;
  std::uint32_t index = 0;
  for (; position < ndjson.size(); ++index) {
    const char* line = batch + position;
    const auto* newline =
        static_cast<const char*>(std::memchr(line, '\n', ndjson.size() - position));
    const bool unterminated = newline == nullptr;
    std::size_t length =
        unterminated ? ndjson.size() - position : static_cast<std::size_t>(newline - line);
    position += length + 1;
    if (length > 0 && line[length - 1] == '\r') --length;

    if (length > config_.max_line_bytes) {
      reject(index, length, RejectCode::line_too_long, "", "line longer than the limit");
      continue;
    }
    if (length == 0 || ((line[0] == ' ' || line[0] == '\t') && is_blank(line, length))) {
      reject(index, length, RejectCode::empty_line, "", "empty line");
      continue;
    }
    DecodeError error;
    if (!s.decoder.decode(line, length, unterminated, s.decoded, error)) {
      reject(index, length, error.code, error.field, error.reason);
      continue;
    }
    const BoxMessage& decoded = s.decoded;

    // Hydrate: the blob holds the message and its strings, contiguously.
    const std::size_t strings = (decoded.has_hunt ? decoded.hunt.size() : 0) +
                                (decoded.has_player ? decoded.player.size() : 0);
    const std::size_t blob_bytes = sizeof(BoxMessage) + strings;
    if (blob_bytes > config_.blob_bytes) {
      reject(index, length, RejectCode::blob_too_large, "",
             "hydrated message larger than blob_bytes");
      continue;
    }
    void* blob_block = s.memory.allocate(blob_bytes, kAlignment);
    if (blob_block == nullptr) {
      reject(index, length, RejectCode::out_of_memory, "", "no memory for the message");
      continue;
    }
    auto* blob = new (blob_block) BoxMessage(decoded);
    char* text = static_cast<char*>(blob_block) + sizeof(BoxMessage);
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

    // Render the compact payload, then queue its store write (the queue copies it).
    const std::string_view payload = s.writer.render(*blob);
    if (payload.empty() || payload.size() > payload_capacity) {
      s.memory.release(blob_block, blob_bytes, kAlignment);
      reject(index, length, RejectCode::payload_too_large, "",
             "rendered payload larger than the store's payload_max");
      continue;
    }
    s.writes.push(index, length, blob->box, payload,
                  blob->has_hunt ? std::optional<std::string_view>(blob->hunt) : std::nullopt,
                  complete);
    s.memory.release(blob_block, blob_bytes, kAlignment);  // `blob` is dead from here
  }
  s.writes.flush(complete);

  s.memory.release(batch, batch_bytes, kAlignment);
  list_rejections();
  counters_.accepted_messages.fetch_add(result.accepted, std::memory_order_relaxed);
  counters_.rejected_messages.fetch_add(result.rejected, std::memory_order_relaxed);
  counters_.accepted_bytes.fetch_add(accepted_bytes, std::memory_order_relaxed);
  counters_.rejected_bytes.fetch_add(rejected_bytes, std::memory_order_relaxed);
  counters_.batches.fetch_add(1, std::memory_order_relaxed);
  return result;
}

}  // namespace trove::ingest
