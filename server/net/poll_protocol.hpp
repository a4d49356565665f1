// The data plane's pure pieces, testable without sockets: box ids,
// If-None-Match, response heads, ingest acks and WebSocket client ops.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/ingest_pipeline.hpp"

namespace trove::net {

// "/v1/boxes/<id>": the decimal id 1 … 2^64-1; nullopt for anything else
// (empty, signs, leading zeros beyond "0", overflow, trailing bytes).
std::optional<std::uint64_t> parse_box_id(std::string_view text) noexcept;

// A box version as HTTP names it: "<incarnation>-<version>", the incarnation
// (the store's boot id, store::BoxStore::incarnation) in 16 lowercase hex
// digits. Versions count from 1 again in a new incarnation, so the version
// alone could name a different payload after a restart without state.
struct EntityTag {
  std::uint64_t incarnation = 0;
  std::uint64_t version = 0;  // 0: the response carries no ETag
};
inline constexpr std::size_t kIncarnationHexDigits = 16;
// The incarnation as it appears in ETags, acks, pushes and stats.
void append_incarnation(std::string& out, std::uint64_t incarnation);

// True when an If-None-Match value matches `current`: a comma list of
// "I-N", W/"I-N", I-N, or "*". A tag of another incarnation (or the bare
// version numbers of older servers) never matches.
bool if_none_match_hits(std::string_view header, EntityTag current) noexcept;

// Appends a complete HTTP/1.1 response head (status line, Content-Type when
// given, ETag when tag.version != 0, `extra_headers` (whole "Name: value\r\n"
// lines), Content-Length, Connection: close when !keep_alive) followed by
// the blank line.
void append_response_head(std::string& out, int status, std::string_view content_type,
                          EntityTag tag, std::size_t content_length, bool keep_alive,
                          std::string_view extra_headers = {});
std::string_view reason_phrase(int status) noexcept;

// What an ingest ack promises: stored in memory, or also logged and
// fsynced under --state-dir (docs/api.md, Acknowledgements).
enum class AckMode : std::uint8_t { kMemory, kDurable };
std::string_view to_string(AckMode mode) noexcept;

// An ingest target, "/v1/ingest" with an optional query: "" (the server's
// --ack) or "ack=memory" / "ack=durable". nullopt for any other path,
// parameter, value, or a repeated parameter.
std::optional<AckMode> parse_ingest_target(std::string_view target, AckMode server_default);
// True when `target`'s path (before any '?') is "/v1/ingest".
bool is_ingest_path(std::string_view target) noexcept;

// {"seq":S,"boot":"I","ack":"memory|durable","accepted":A,"rejected":[{"index":i,
//  "error":"reason","code":"c"[,"field":"f"]}…][,"rejectedTotal":R][,"error":"E"]}
// — rejectedTotal only when the list was truncated; error when a durable
// ack could not be given (the batch is stored in memory: ack "memory").
// `boot`: the incarnation (append_incarnation).
void append_ingest_ack(std::string& out, std::uint64_t seq, std::uint64_t incarnation, AckMode ack,
                       const ingest::BatchResult& result, std::string_view error = {});

// {"op":"push","box":B,"seq":S,"boot":"I"[,"hpos":P],"payload":P}: a box's
// state sent to a subscriber (live update or snapshot). `payload` is the
// stored JSON, as is; seq and boot together are the box's ETag. hpos (live
// pushes of a hunt's box; 0: left out) is the hunt position a client may
// resume from (docs/api.md, Recovery).
void append_push(std::string& out, std::uint64_t box, EntityTag tag, std::string_view payload,
                 std::uint64_t hunt_position = 0);

// How a hunt subscription brings the client up to date: only the changes
// after the position it gave, or the whole state.
enum class SyncMode : std::uint8_t { kFull, kRecovered };
std::string_view to_string(SyncMode mode) noexcept;
// The end of a hunt's snapshot: N = the pushes it sent; `position` the hunt
// position the client holds once it has read up to here (with `boot`).
struct SyncedMarker {
  std::string_view hunt;
  std::uint64_t boxes = 0;
  SyncMode mode = SyncMode::kFull;
  std::uint64_t incarnation = 0;
  std::uint64_t position = 0;
};
// {"op":"synced","hunt":H,"boxes":N,"sync":"full|recovered","boot":"I","hpos":P}
void append_synced(std::string& out, const SyncedMarker& marker);
// {"op":"synced","boxes":N,"sync":"full|recovered","boot":"I"}: the end of a
// box subscription's first pushes when it gave versions; N = the pushes.
void append_boxes_synced(std::string& out, std::uint64_t pushes, SyncMode mode,
                         std::uint64_t incarnation);

// A WebSocket client op on /v1/ws.
struct WsOp {
  enum class Kind {
    kGet,
    kSubscribeBoxes,
    kSubscribeHunt,
    kUnsubscribeBoxes,
    kUnsubscribeHunt,
    kUnsubscribeAll,
    kAuth,  // {"op":"auth","token":"…"}: first message, or a refresh
    kPing,
    kInvalid
  };
  Kind kind = Kind::kInvalid;
  std::uint64_t box = 0;  // kGet
  std::string hunt;       // k*Hunt
  // A subscribe with a position (docs/api.md, Recovery): `since` the hunt
  // position (kSubscribeHunt) or `versions`, the version held of each of
  // `boxes` (kSubscribeBoxes, 0: none); `boot` their incarnation.
  // has_position false: none given.
  bool has_position = false;
  std::uint64_t since = 0;
  std::vector<std::uint64_t> versions;
  std::uint64_t boot = 0;
  std::vector<std::uint64_t> boxes;  // k*Boxes
  std::string token;                 // kAuth
  std::string ping_id;               // kPing: the id as JSON text, echoed; "" = none
  std::string error;                 // kInvalid: why
};
// A ping's id: a string of at most this many bytes, or an integer.
inline constexpr std::size_t kMaxPingIdBytes = 64;
// {"op":"pong"[,"id":I]}: the answer to an application-level ping.
void append_pong(std::string& out, std::string_view id_json);
// Bounds one op: at most this many boxes per subscribe.
inline constexpr std::size_t kMaxBoxesPerOp = 4096;
// Hunts one connection may subscribe to: a push and a snapshot step compare
// each box's hunt with every hunt subscribed.
inline constexpr std::size_t kMaxHuntsPerConnection = 64;
WsOp parse_ws_op(std::string_view text);

}  // namespace trove::net
