// The sockets: one acceptor, one I/O thread, HTTP/1.1 keep-alive sessions
// over TCP or TLS, and chunked watch streams. All Boost.Beast code of the
// fake lives in http_server.cpp.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "api_state.hpp"

namespace trove::fakeapi {

struct HttpConfig {
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 0;
  // Both set: HTTPS.
  std::filesystem::path cert_file;
  std::filesystem::path key_file;
  // Set (and HTTPS): bearer tokens are checked against it.
  std::filesystem::path token_file;
};

class HttpServer {
 public:
  HttpServer(ApiState& state, HttpConfig config);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts the I/O thread; returns the bound port. Throws on error.
  std::uint16_t start();
  void stop();

  struct Impl;  // public so the sessions in http_server.cpp can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace trove::fakeapi
