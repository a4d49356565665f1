// Read limits every trove HTTP listener and client applies on top of Beast's
// header_limit/body_limit. Beast's parser leaves three things unbounded: a
// chunk-size line whose extensions never end (the parser asks for more input
// until it sees CRLF, so the read buffer grows), the trailer block after the
// last chunk (the same), and the total of chunk extensions over many complete
// chunk lines (never counted against the body limit). The first two are
// bounded by capping the read buffer, the third by ChunkExtensionBudget.
// Include only from the .cpp files that already use Beast.
#pragma once

#include <boost/beast/http/error.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

#include "trove/common/http_limit.hpp"

namespace trove::common {

// Beast reads at most 64 KiB per read_some (beast::read_size's cap), so a
// buffer of the header limit plus one read never refuses a legitimate header,
// and a chunk line or trailer block can hold at most this much memory.
inline constexpr std::size_t kBeastReadChunkBytes = 64 * 1024;

constexpr std::size_t read_buffer_limit(std::size_t max_header_bytes) noexcept {
  return max_header_bytes + kBeastReadChunkBytes;
}

// Counts the chunk extension bytes of one message; attach() to each new
// parser. Beast keeps a reference to the callback, so the budget must outlive
// the parser it is attached to.
class ChunkExtensionBudget {
 public:
  explicit ChunkExtensionBudget(std::size_t limit) : limit_(limit) {
    callback_ = [this](std::uint64_t, std::string_view extensions, boost::beast::error_code& ec) {
      if (extensions.size() > left_) {
        exceeded_ = true;
        ec = boost::beast::http::error::bad_chunk_extension;
        return;
      }
      left_ -= extensions.size();
    };
  }
  ChunkExtensionBudget(const ChunkExtensionBudget&) = delete;
  ChunkExtensionBudget& operator=(const ChunkExtensionBudget&) = delete;

  template <class Parser>
  void attach(Parser& parser) {
    left_ = limit_;
    exceeded_ = false;
    parser.on_chunk_header(callback_);
  }
  [[nodiscard]] bool exceeded() const noexcept { return exceeded_; }

 private:
  std::size_t limit_;
  std::size_t left_ = 0;
  bool exceeded_ = false;
  std::function<void(std::uint64_t, std::string_view, boost::beast::error_code&)> callback_;
};

// Classifies a failed read: which trove limit (if any) the error stands for.
// `header_done` tells a buffer overflow in the header (431) from one in a
// chunk line or the trailers (413).
inline HttpLimit classify_read_error(const boost::beast::error_code& ec, bool header_done,
                                     const ChunkExtensionBudget& budget) {
  namespace http = boost::beast::http;
  if (ec == http::error::header_limit) return HttpLimit::kHeaderSize;
  if (ec == http::error::body_limit) return HttpLimit::kBodySize;
  if (ec == http::error::buffer_overflow) {
    return header_done ? HttpLimit::kChunkHeaderSize : HttpLimit::kHeaderSize;
  }
  if (ec == http::error::bad_chunk_extension && budget.exceeded()) {
    return HttpLimit::kChunkExtensions;
  }
  return HttpLimit::kNone;
}

}  // namespace trove::common
