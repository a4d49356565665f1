// Incremental HTTP/1.1 response parser for the load generator's keep-alive
// clients. Stateless on purpose: it re-parses the bytes received so far, which
// costs nothing for ~200-byte responses and makes every partial read and every
// hostile input take the same, simple path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace trove::loadgen {

// Why a response was refused; each kind is counted separately in the report.
enum class HttpError : std::uint8_t {
  kNone,
  kBadStatusLine,   // not "HTTP/1.x NNN ..."
  kBadHeader,       // a header line without ':' or with control bytes
  kHeaderTooLarge,  // no end of headers within the limit
  kBadLength,       // Content-Length not a number, overflowing or contradictory
  kBodyTooLarge,    // Content-Length above the limit
  kUnsupported,     // Transfer-Encoding (chunked) or no length on a keep-alive response
};

const char* to_string(HttpError e);

struct HttpLimits {
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
};

struct HttpResponse {
  enum class State : std::uint8_t { kNeedMore, kComplete, kError } state = State::kNeedMore;
  HttpError error = HttpError::kNone;
  int status = 0;
  std::size_t header_bytes = 0;  // up to and including the blank line
  std::size_t body_bytes = 0;
  std::size_t total_bytes = 0;  // consumed by this response when complete
  bool connection_close = false;
  // Views into the parsed buffer; valid while it is.
  std::string_view body;
  std::string_view upgrade;
  std::string_view connection;
  std::string_view websocket_accept;
};

// Parses one response from the start of `data`; 1xx, 204 and 304 never carry
// a body (the clients never send HEAD).
HttpResponse parse_http_response(std::string_view data, const HttpLimits& limits = {});

}  // namespace trove::loadgen
