// The HTTP read limits trove enforces (http_read_limits.hpp), without Beast,
// so metrics code can name them.
#pragma once

namespace trove::common {

// What a read error means when a trove limit caused it.
enum class HttpLimit {
  kNone,
  kHeaderSize,       // header over max_header_bytes: 431
  kBodySize,         // body over max_body_bytes: 413
  kChunkHeaderSize,  // a chunk-size line or the trailers outgrew the read buffer: 413
  kChunkExtensions,  // chunk extensions of one message over their budget: 413
  // Admin listener connection policy (admin_http_server.hpp): a connection
  // closed to make room, or refused, over the listener's or the peer's cap;
  // a request not complete within the deadline.
  kConnections,
  kPeerConnections,
  kRequestDeadline,
};

// The status a limit answers with: 431 for the header, 413 for the rest.
constexpr int limit_status(HttpLimit limit) noexcept {
  return limit == HttpLimit::kHeaderSize ? 431 : 413;
}

}  // namespace trove::common
