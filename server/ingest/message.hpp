#pragma once
// The ingest message schema and its hydrated form (docs/api.md).
//
//   {"box":123456,"hunt":"spring","x":12.5,"y":-3.25,"state":"open",
//    "ts":1732712345678,"player":"p-8812"}
//
//   box     uint64 1 … 2^64-1, required (0 is reserved)
//   hunt    string ≤ 64 bytes (UTF-8); absent: the box keeps its hunt
//   state   "closed" | "open" | "claimed" | "empty"
//   x, y    finite numbers
//   ts      integer milliseconds, 0 … 2^63-1
//   player  string ≤ 64 bytes (UTF-8)
//   data    any JSON value, ≤ max_data_bytes once minified
//   any other field is ignored (nesting depth still limited)
//
// Every message replaces the box's payload: optional fields that are absent
// are absent from the payload too.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace trove::ingest {

inline constexpr std::size_t kMaxStringFieldBytes = 64;  // hunt, player

// `data` limits (--max-data-bytes): 1 KiB by default, 64 KiB at most.
inline constexpr std::size_t kDefaultMaxDataBytes = 1024;
inline constexpr std::size_t kMaxDataBytesLimit = 64 * 1024;
// The payload's bytes besides `data`: every schema field at its longest (two
// 64-byte strings fully \u-escaped, five numbers, keys: < 700 bytes) and
// `,"data":`, rounded up.
inline constexpr std::size_t kSchemaPayloadBytes = 1024;
// The largest payload a message with `max_data_bytes` of data renders: what
// the store must accept (its payload_max).
constexpr std::size_t payload_max_for(std::size_t max_data_bytes) {
  return kSchemaPayloadBytes + max_data_bytes;
}
// The schema fields, unknown fields and whitespace of a line besides its
// `data`: the line limit is this plus max_data_bytes.
inline constexpr std::size_t kSchemaLineBytes = 4096;

enum class BoxState : std::uint8_t { closed, open, claimed, empty };
std::optional<BoxState> parse_box_state(std::string_view text) noexcept;
std::string_view to_string(BoxState state) noexcept;

// The hydrated blob: the record's full form, with derived fields, built in the
// worker's arena (or the strategy's allocator) and dead after the batch. Its
// strings point into the same blob. sizeof(BoxMessage) + strings ≤ blob_bytes.
struct BoxMessage {
  std::uint64_t box = 0;
  double x = 0;
  double y = 0;
  std::int64_t ts = 0;
  std::string_view hunt;    // valid only if has_hunt
  std::string_view player;  // valid only if has_player
  // Minified JSON (docs/api.md, "data"), valid only if has_data; points into
  // the decoder's data buffer, never copied into the blob (so blob_bytes
  // bounds the schema fields alone) and valid until the next decode.
  std::string_view data;
  BoxState state = BoxState::closed;
  bool has_hunt = false;
  bool has_state = false;
  bool has_x = false;
  bool has_y = false;
  bool has_ts = false;
  bool has_player = false;
  bool has_data = false;

  // Derived: the map cell (x, y) falls in, cells kCellSize wide; only
  // meaningful when has_x && has_y. Saturates at the int32 range.
  static constexpr double kCellSize = 64.0;
  std::int32_t cell_x = 0;
  std::int32_t cell_y = 0;
};

}  // namespace trove::ingest
