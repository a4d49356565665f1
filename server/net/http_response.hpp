// The response an HTTP session writes next: head and body in one string
// whose capacity is reused, so a steady poll loop allocates nothing per
// request.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "net/poll_protocol.hpp"

namespace trove::net {

inline constexpr std::string_view kJson = "application/json";
inline constexpr std::string_view kText = "text/plain; charset=utf-8";

class HttpResponse {
 public:
  // Room for the head plus a payload: reserved once per connection.
  static constexpr std::size_t kInitialBytes = 512;

  HttpResponse() { out_.reserve(kInitialBytes); }
  // Starts the next response; `keep_alive`: the connection stays open after it.
  void clear(bool keep_alive) noexcept {
    out_.clear();
    extra_headers_.clear();
    keep_alive_ = keep_alive;
  }
  // Whole "Name: value\r\n" lines for the next respond (CORS, WWW-Authenticate).
  std::string& extra_headers() noexcept { return extra_headers_; }
  // Appends the head and `body`; a HEAD answer passes an empty body and the
  // GET's `content_length`. A 304 has no body and says Content-Length: 0.
  void respond(int status, std::string_view content_type, EntityTag tag, std::string_view body,
               std::size_t content_length = SIZE_MAX) {
    status_ = status;
    if (content_length == SIZE_MAX) content_length = body.size();
    if (status == 304) content_length = 0;
    append_response_head(out_, status, content_type, tag, content_length, keep_alive_,
                         extra_headers_);
    out_.append(body);
  }
  [[nodiscard]] const std::string& bytes() const noexcept { return out_; }
  [[nodiscard]] int status() const noexcept { return status_; }
  [[nodiscard]] bool keep_alive() const noexcept { return keep_alive_; }

 private:
  std::string out_;
  std::string extra_headers_;
  int status_ = 0;
  bool keep_alive_ = true;
};

}  // namespace trove::net
