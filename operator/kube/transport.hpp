// HTTP/1.1 to the API server over plain TCP or TLS. This header is free of
// Boost: all Beast/Asio templates live in transport.cpp behind a pimpl, so
// only one translation unit of the operator pays their compile time.
//
// Blocking model: every call runs on the caller's thread. Each connection
// owns a private io_context that the caller runs only while its own
// operation is in flight, which gives every read and write a deadline
// (beast::tcp_stream::expires_after) without any background thread. Idle
// keep-alive connections are pooled; the Transport is safe to share across
// threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "kube/config.hpp"

namespace trove::kube {

// Whether a request may be sent again when its kept-alive connection fails
// before the answer arrives, at a point where the server may already have
// received and applied it. A request of which no byte reached the socket goes
// out again whatever this says; GET and HEAD are always repeatable.
enum class Replay {
  kOnlyIfUnsent,  // a repeat could apply the change twice (POST, unconditional writes)
  kRepeatable,    // a repeat changes nothing more, or the server refuses it (preconditions)
};

struct HttpRequest {
  std::string method = "GET";
  std::string target;  // path + query, already encoded
  std::string body;
  std::string content_type;
  std::string accept = "application/json";
  Replay replay = Replay::kOnlyIfUnsent;
};

struct HttpResponse {
  int status = 0;
  std::string body;
  std::string retry_after;  // raw Retry-After header
  std::string content_type;
};

struct TransportOptions {
  std::chrono::milliseconds connect_timeout{10'000};
  // Whole request/response deadline for non-streaming calls (client-go has
  // none by default; a hung server must not hang a reconcile forever).
  std::chrono::milliseconds request_timeout{60'000};
  // A list of 10,000 pods is ~30 MiB; beyond this the answer is refused.
  std::size_t max_body_bytes = 512u << 20;
  // TCP keepalive so a dead peer under a silent watch is noticed by the
  // kernel too (client-go dials with 30 s keepalive).
  bool tcp_keepalive = true;
  std::string user_agent = "trove-operator/0.1";
  std::size_t max_idle_connections = 8;
};

// The body of a streaming (watch) response, read incrementally.
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  // Reads up to `size` body bytes, waiting at most `idle` for any to arrive.
  // Returns 0 at the normal end of the body. Throws ApiError(kTransport) on
  // an I/O error, on idle timeout, and after cancel().
  virtual std::size_t read_some(char* data, std::size_t size, std::chrono::milliseconds idle) = 0;
  // Makes a blocked or future read_some() fail at once. Thread-safe.
  virtual void cancel() = 0;
};

class Transport {
 public:
  // Throws ConfigError when the TLS material is unusable.
  explicit Transport(const ClientConfig& config, TransportOptions options = {});
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Sends one request and reads the whole response. `bearer` "" sends no
  // Authorization. Throws ApiError(kTransport) when no response arrived.
  // A pooled connection the server closed while idle is dropped before use;
  // when a pooled connection fails mid-exchange, the request is sent once more
  // on a fresh connection only if nothing of it was written or its `replay`
  // (or a GET/HEAD method) makes a repeat harmless.
  HttpResponse send(const HttpRequest& request, std::string_view bearer);

  struct Streamed {
    HttpResponse head;                 // status and headers; full body when not 2xx
    std::unique_ptr<BodyStream> body;  // set only for a 2xx answer
  };
  // `header_timeout` bounds the wait for the response header: a server that
  // went silent must not hold a new watch for the whole request timeout.
  Streamed open_stream(const HttpRequest& request, std::string_view bearer,
                       std::chrono::milliseconds header_timeout);

  const TransportOptions& options() const;
  // Connections opened so far (tests check that keep-alive reuses them).
  std::size_t connections_opened() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trove::kube
