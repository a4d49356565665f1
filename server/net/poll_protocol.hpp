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

// True when an If-None-Match value matches the entity tag of `version`:
// a comma list of "N", W/"N", N, or "*".
bool if_none_match_hits(std::string_view header, std::uint64_t version) noexcept;

// Appends a complete HTTP/1.1 response head (status line, Content-Type when
// given, ETag when version != 0, Content-Length, Connection: close when
// !keep_alive) followed by the blank line.
void append_response_head(std::string& out, int status, std::string_view content_type,
                          std::uint64_t version, std::size_t content_length, bool keep_alive);
std::string_view reason_phrase(int status) noexcept;

// {"seq":S,"accepted":A,"rejected":[{"index":i,"error":"reason","code":"c"[,"field":"f"]}…]
//  [,"rejectedTotal":R]}  — rejectedTotal only when the list was truncated.
void append_ingest_ack(std::string& out, std::uint64_t seq, const ingest::BatchResult& result);

// {"op":"push","box":B,"seq":S,"payload":P}: a box's state sent to a
// subscriber (live update or snapshot). `payload` is the stored JSON, as is.
void append_push(std::string& out, std::uint64_t box, std::uint64_t seq, std::string_view payload);
// {"op":"synced","hunt":H,"boxes":N}: the end of a hunt's snapshot; N = the
// pushes it sent.
void append_synced(std::string& out, std::string_view hunt, std::uint64_t boxes);

// A WebSocket client op on /v1/ws.
struct WsOp {
  enum class Kind {
    kGet,
    kSubscribeBoxes,
    kSubscribeHunt,
    kUnsubscribeBoxes,
    kUnsubscribeHunt,
    kUnsubscribeAll,
    kPing,
    kInvalid
  };
  Kind kind = Kind::kInvalid;
  std::uint64_t box = 0;             // kGet
  std::string hunt;                  // k*Hunt
  std::vector<std::uint64_t> boxes;  // k*Boxes
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
