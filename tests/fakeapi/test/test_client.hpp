// A tiny blocking HTTP(S) client for the fake's tests: one-shot requests and
// a watch reader that decodes the chunked stream into event lines.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace trove::fakeapi::testing {

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

struct RequestOptions {
  std::string method = "GET";
  std::string body;
  std::string content_type = "application/json";
  std::string accept = "application/json";
  std::string bearer;   // Authorization: Bearer <bearer> when set
  std::string ca_file;  // HTTPS when set (verifies the server against it)
};

// Throws std::runtime_error on connection errors.
HttpResult http_request(std::uint16_t port, const std::string& target,
                        const RequestOptions& options = {});

// Sends raw bytes over plain HTTP and returns whatever comes back until the
// server closes (or 3 s pass).
std::string raw_exchange(std::uint16_t port, const std::string& bytes);

// A watch over plain HTTP, read line by line.
class WatchReader {
 public:
  WatchReader(std::uint16_t port, const std::string& target,
              const std::string& accept = "application/json");
  ~WatchReader();
  WatchReader(const WatchReader&) = delete;
  WatchReader& operator=(const WatchReader&) = delete;

  int status() const { return status_; }
  // The next event line, or nullopt if none arrived within timeout or the
  // stream ended (then ended() is true).
  std::optional<std::string> next_line(std::chrono::milliseconds timeout);
  bool ended() const { return ended_; }
  // The whole body of a non-streaming (error) answer.
  const std::string& body() const { return body_; }

 private:
  bool fill(std::chrono::milliseconds timeout);
  void decode();
  int fd_ = -1;
  int status_ = 0;
  bool chunked_ = false;
  bool ended_ = false;
  std::string raw_;   // undecoded bytes
  std::string body_;  // decoded body not yet returned as lines
};

}  // namespace trove::fakeapi::testing
