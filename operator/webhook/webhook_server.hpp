// The webhook's HTTPS listener (Beast over Asio SSL, one I/O thread): POST
// /mutate goes to the handler; every other path or method, an oversized
// body or header, and a slow client are answered or dropped here. The
// serving certificate can be replaced while running (reload): connections
// accepted afterwards use the new one, open ones finish with the old, and
// the listening socket is never closed, so rotation fails no admission.
// Beast and Asio stay inside webhook_server.cpp (pimpl).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "webhook/admission_review.hpp"
#include "webhook/tls_material.hpp"

namespace trove::webhook {

inline constexpr const char* kMutatePath = "/mutate";

struct WebhookServerOptions {
  std::string bind_address = "0.0.0.0";
  std::uint16_t port = 0;  // 0: ephemeral, read back with port()
  std::size_t max_body_bytes = kMaxReviewBytes;
  // The API server's headers are well under 1 KiB.
  std::size_t max_header_bytes = 16 * 1024;
  // The API server keeps connections open and sends reviews one at a time
  // on each; a few hundred covers many API server replicas.
  std::size_t max_connections = 256;
  // Handshake, one request read and its answer written, each within this;
  // the API server's own timeout (timeoutSeconds) is a few seconds.
  std::chrono::milliseconds io_timeout{10'000};
  // An idle kept-alive connection is closed after this.
  std::chrono::milliseconds idle_timeout{60'000};
};

struct WebhookReply {
  int status = 200;
  std::string body;
};

class WebhookServer {
 public:
  // handle(body) answers POST /mutate on the I/O thread. on_error(reason) is
  // called for requests refused before the handler: "not_found",
  // "method", "too_large", "bad_request", "connections".
  using Handler = std::function<WebhookReply(std::string_view body)>;
  using ErrorHook = std::function<void(std::string_view reason)>;

  WebhookServer(WebhookServerOptions options, Handler handle, ErrorHook on_error = {});
  ~WebhookServer();
  WebhookServer(const WebhookServer&) = delete;
  WebhookServer& operator=(const WebhookServer&) = delete;

  // Binds, listens and starts the thread. Throws std::runtime_error (a
  // bind failure, or a certificate or key that does not load); start() may
  // then be called again.
  void start(const KeyPair& serving);
  // Serves new connections with this certificate; throws (and keeps the
  // current one) when it does not load.
  void reload(const KeyPair& serving);
  // Closes the listener and every connection, joins the thread. Idempotent.
  void stop();
  [[nodiscard]] std::uint16_t port() const;

  // Named here so the .cpp's connection type can refer to it; defined there.
  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace trove::webhook
